// An Idempotency-Key is claimed before any storage or forwarding work, on the ACCOUNT_STORE
// object named after the key itself, through real workerd and a real origin on loopback: one
// request runs per key (whatever account it names), the others get 409 (40902 for another
// request, 40903 + Retry-After while the first runs), a finished key replays, a failed forward
// gives the key back. Every race runs at least 8 times, each with a fresh key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startWorker, readSeed, send } from "./harness.mjs";

const TEST = "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const LIVE = "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc";
const TRIALS = 8;
let worker, origin;

// A loopback origin answering every forward after `delayMs` with a new membership; `mode` "reset"
// drops the connection (a 502 at the edge). It counts forwards per Idempotency-Key.
function startTestOrigin() {
  const state = { delayMs: 600, mode: "normal", forwards: new Map() };
  let n = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const key = req.headers["idempotency-key"] ?? "";
      state.forwards.set(key, (state.forwards.get(key) ?? 0) + 1);
      if (state.mode === "reset") return req.socket.destroy();
      const email = JSON.parse(body).email;
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const data = {
        object: "account_membership",
        id: `am_Origin${String(++n).padStart(16, "0")}`,
        account_id: "acct_1",
        user_id: null,
        workspace_membership_id: null,
        permissions: [],
        created_at: now,
        updated_at: now,
        user: { id: null, email, name: null },
      };
      setTimeout(() => {
        res.writeHead(201, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ message: "success", success: true, data }));
      }, state.delayMs);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        state,
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(r);
          }),
      }),
    ),
  );
}

const create = (auth, json, key, account = "acct_1") =>
  send(worker.url, {
    method: "POST",
    target: `/v1/account-memberships/?account_id=${account}`,
    headers: { Authorization: auth, "Content-Type": "application/json", "Idempotency-Key": key },
    json,
  });
// A client honouring 40903's Retry-After: the key's release or answer is written just after the
// answer, so a retry sent at once may still meet the claim.
async function retry(auth, json, key) {
  for (let i = 0; ; i++) {
    const r = await create(auth, json, key);
    if (!inProgress(r) || i === 3) return r;
    await new Promise((done) => setTimeout(done, 1000));
  }
}
const statuses = (results) => results.map((r) => r.status).sort();
const inProgress = (r) => r.status === 409 && r.json.error.code === 40903 && r.headers.get("retry-after") === "1";

before(async () => {
  origin = await startTestOrigin();
  worker = await startWorker({
    seed: readSeed(),
    vars: { ROUTING: "auto", ORIGIN_URL: origin.url, ORIGIN_TIMEOUT_MS: "2000", RATE_LIMIT_PER_MINUTE: "0" },
  });
});
after(async () => {
  await worker?.stop();
  await origin?.close();
});

test("one key sent for acct_1 and acct_2 at once: exactly one 201, the other 409", async () => {
  for (let i = 0; i < TRIALS; i++) {
    const key = `accounts-${i}-${Date.now()}`;
    const json = { email: `both-${i}@example.com` };
    const results = await Promise.all([create(TEST, json, key, "acct_1"), create(TEST, json, key, "acct_2")]);
    assert.deepEqual(statuses(results), [201, 409], `trial ${i}: ${results.map((r) => r.text).join(" | ")}`);
    const refused = results.find((r) => r.status === 409);
    assert.ok([40902, 40903].includes(refused.json.error.code), refused.text);
  }
});

test("one key with two bodies at once: one answered, the other 409", async () => {
  for (let i = 0; i < TRIALS; i++) {
    const key = `bodies-${i}-${Date.now()}`;
    const results = await Promise.all([
      create(TEST, { email: `a-${i}@example.com` }, key),
      create(TEST, { email: `b-${i}@example.com` }, key),
    ]);
    assert.deepEqual(statuses(results), [201, 409], `trial ${i}: ${results.map((r) => r.text).join(" | ")}`);
    const refused = results.find((r) => r.status === 409);
    assert.ok([40902, 40903].includes(refused.json.error.code), refused.text);
  }
});

test("six concurrent live creates with one key: one forward, five 40903 with Retry-After: 1, then the replay", async () => {
  origin.state.mode = "normal";
  origin.state.delayMs = 600;
  for (let i = 0; i < TRIALS; i++) {
    const key = `six-${i}-${Date.now()}`;
    const json = { email: `six-${i}@example.com` };
    const results = await Promise.all(Array.from({ length: 6 }, () => create(LIVE, json, key)));
    assert.equal(origin.state.forwards.get(key), 1, `trial ${i}: the origin saw one forward`);
    const created = results.filter((r) => r.status === 201);
    assert.equal(created.length, 1, `trial ${i}: ${results.map((r) => r.status)}`);
    assert.equal(results.filter(inProgress).length, 5, results.map((r) => r.text).join(" | "));
    const replay = await retry(LIVE, json, key);
    assert.equal(replay.status, 201, replay.text);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    assert.equal(replay.text, created[0].text, "the origin's answer, byte for byte");
    assert.equal(origin.state.forwards.get(key), 1);
  }
});

test("a failed forward gives the key back: origin down (502) or slow (504), then the retry is forwarded", async () => {
  for (const [mode, delayMs, status] of [
    ["reset", 0, 502],
    ["normal", 3000, 504],
  ]) {
    for (let i = 0; i < 2; i++) {
      const key = `fail-${mode}-${i}-${Date.now()}`;
      const json = { email: `fail-${mode}-${i}@example.com` };
      Object.assign(origin.state, { mode, delayMs });
      const failed = await create(LIVE, json, key);
      assert.equal(failed.status, status, failed.text);
      Object.assign(origin.state, { mode: "normal", delayMs: 0 });
      const again = await retry(LIVE, json, key);
      assert.equal(again.status, 201, again.text);
      assert.equal(again.headers.get("idempotent-replayed"), null);
      assert.equal(origin.state.forwards.get(key), 2, "the retry reached the origin");
    }
  }
});
