// Live-mode forwarding, write-through and every origin and KV fault, end to end through workerd
// with a real origin server on loopback (demo/origin.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, readSeed, send, getKey, listKeys, eventually } from "./harness.mjs";
import { startOrigin } from "../../demo/origin.mjs";

const LIVE = "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc";
const TEST = "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const SECRET = "edge-origin-shared-secret";
let origin, worker;

const create = (auth, json, extra = {}, account = "acct_1") => send(worker.url, {
  method: "POST", target: `/v1/account-memberships/?account_id=${account}`,
  headers: { Authorization: auth, "Content-Type": "application/json", ...extra }, json,
});


before(async () => {
  origin = await startOrigin({ secret: SECRET });
  worker = await startWorker({
    seed: readSeed(),
    vars: { ROUTING: "auto", ORIGIN_URL: origin.url, ORIGIN_TIMEOUT_MS: "1000", ORIGIN_SHARED_SECRET: SECRET,
            ALLOW_FAULT_INJECTION: "true", RATE_LIMIT_PER_MINUTE: "100000" },
  });
});
after(async () => { await worker?.stop(); await origin?.close(); });

test("live create is forwarded with the spec's headers, signed, and written through", async () => {
  const before = origin.received.length;
  const res = await create(LIVE, { email: "Carol@Example.com", permissions: ["read"] }, { "X-Request-Id": "fwd-1" });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.data.user.email, "carol@example.com");
  assert.equal(origin.received.length, before + 1);
  const got = origin.received.at(-1);
  assert.equal(got.url, "/v1/account-memberships/?account_id=acct_1");
  assert.equal(got.headers.authorization, LIVE);
  assert.equal(got.headers["content-type"], "application/json");
  assert.equal(got.headers["x-request-id"], "fwd-1");
  assert.equal(got.headers["x-edge-credential-id"], "key_live_1");
  assert.equal(got.headers["x-edge-mode"], "live");
  assert.match(got.headers["x-edge-signature"], /^t=\d+,v1=[0-9a-f]{64}$/);  // the origin verified it
  assert.deepEqual(JSON.parse(got.body), { email: "carol@example.com", permissions: ["read"] });
  const stored = await eventually(() => getKey(worker.persist, "account_membership:live:acct_1:email:carol@example.com"));
  assert.ok(stored, "2xx from the origin is written through to KV");
  assert.equal(JSON.parse(stored).id, res.json.data.id);
});

test("a replay of a written-through create is answered at the edge", async () => {
  const before = origin.received.length;
  const res = await create(LIVE, { email: "carol@example.com", permissions: ["read"] });
  assert.equal(res.status, 200, res.text);
  assert.equal(origin.received.length, before, "origin was called");
});

test("an identical live membership already in KV is answered at the edge (200)", async () => {
  const before = origin.received.length;
  const res = await create(LIVE, { workspace_membership_id: "wsm_1", permissions: ["read"] });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.data.id, "am_LiveSeed000000000000000");
  assert.equal(origin.received.length, before);
});

test("test mode in auto routing never reaches the origin", async () => {
  const before = origin.received.length;
  const res = await create(TEST, { email: "sandbox-only@example.com" });
  assert.equal(res.status, 201, res.text);
  assert.equal(origin.received.length, before);
});

test("the origin's own errors pass through (404, 409)", async () => {
  let res = await create(LIVE, { workspace_membership_id: "wsm_unknown_at_origin" });
  assert.equal(res.status, 404);
  assert.equal(res.json.error.code, 40403);
  await create(LIVE, { workspace_membership_id: "wsm_2", permissions: ["read"] });
  res = await create(LIVE, { workspace_membership_id: "wsm_2", permissions: ["admin"] });
  assert.equal(res.status, 409);
  assert.deepEqual(res.json.error.details.existing_permissions, ["read"]);
});

test("Idempotency-Key on a forwarded create: replay is the stored answer, origin not called", async () => {
  const first = await create(LIVE, { email: "idem-live@example.com" }, { "Idempotency-Key": "live-k1" });
  assert.equal(first.status, 201);
  const before = origin.received.length;
  const replay = await eventually(async () => {
    const r = await create(LIVE, { email: "idem-live@example.com" }, { "Idempotency-Key": "live-k1" });
    return r.headers.get("idempotent-replayed") === "true" ? r : null;
  });
  assert.ok(replay, "no replay");
  assert.equal(replay.status, 201);
  assert.equal(replay.text, first.text);
  assert.equal(origin.received.length, before);
  const other = await create(LIVE, { email: "someone-else@example.com" }, { "Idempotency-Key": "live-k1" });
  assert.equal(other.status, 409);
  assert.equal(other.json.error.code, 40902);
});

const faults = [
  ["error500", 500, 50001, "origin 5xx passes through"],
  ["html", 502, 50202, "HTML answer is 502"],
  ["reset", 502, 50201, "connection reset is 502"],
  ["partial", 502, null, "reset mid-body is 502"],
  ["slow", 504, 50401, "past ORIGIN_TIMEOUT_MS is 504"],
];
for (const [mode, status, code, name] of faults) {
  test(`origin fault: ${name}, nothing written`, async () => {
    origin.setMode(mode, mode === "slow" ? 3000 : 0);
    try {
      const email = `fault-${mode}@example.com`;
      const started = Date.now();
      const res = await create(LIVE, { email });
      assert.equal(res.status, status, res.text);
      if (code) assert.equal(res.json.error.code, code);
      assert.equal(res.headers.get("content-type"), "application/json");
      if (mode === "slow") assert.ok(Date.now() - started < 2900, "timeout not enforced");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await getKey(worker.persist, `account_membership:live:acct_1:email:${email}`), null);
    } finally {
      origin.setMode("normal");
    }
  });
}

test("KV get that throws: 503, never a 201", async () => {
  const res = await create(TEST, { email: "kv-get-fault@example.com" }, { "X-Debug-Fault": "kv_get:throw" });
  assert.equal(res.status, 503);
  assert.equal(res.json.error.code, 50301);
});

test("KV put that throws after the membership was built: 503 and no record", async () => {
  const res = await create(TEST, { email: "kv-put-fault@example.com" }, { "X-Debug-Fault": "kv_put:throw" });
  assert.equal(res.status, 503);
  assert.equal(await getKey(worker.persist, "account_membership:test:acct_1:email:kv-put-fault@example.com"), null);
  const retry = await create(TEST, { email: "kv-put-fault@example.com" });
  assert.equal(retry.status, 201, "the retry creates it");
});

test("the forward carries ?account_id=<checked id> alone, and a tampered replay of it is refused by the origin", async () => {
  const before = origin.received.length;
  const res = await send(worker.url, { method: "POST", target: "/v1/account-memberships/?x=1;account_id=acct_2&account_id=acct_1&account[id]=acct_2",
    headers: { Authorization: LIVE, "Content-Type": "application/json", "X-Request-Id": "fwd-tamper" }, json: { email: "tamper@example.com" } });
  assert.equal(res.status, 201, res.text);
  assert.equal(origin.received.length, before + 1);
  const got = origin.received.at(-1);
  assert.equal(got.url, "/v1/account-memberships/?account_id=acct_1");
  // Replayed as captured, the forward is accepted (the origin verifies the signature)...
  const replay = (url, headers = {}) => fetch(origin.url + url, { method: "POST", body: got.body,
    headers: { ...Object.fromEntries(Object.entries(got.headers).filter(([k]) => !["host", "content-length", "connection"].includes(k))), ...headers } });
  assert.equal((await replay(got.url)).status, 200);
  // ...but not with another account, credential, mode or request id.
  for (const [url, headers] of [["/v1/account-memberships/?account_id=acct_2", {}], [got.url, { "x-edge-credential-id": "key_other" }],
                                [got.url, { "x-edge-mode": "test" }], [got.url, { "x-request-id": "fwd-other" }]]) {
    const r = await replay(url, headers);
    assert.equal(r.status, 401, `${url} ${JSON.stringify(headers)}`);
    assert.equal((await r.json()).error.code, 40199);
  }
});

test("a trap answers 500 with the envelope; requests in flight and after still succeed", async () => {
  const inflight = Array.from({ length: 8 }, (_, i) => create(TEST, { email: `inflight-${i}@example.com` }));
  const trapped = create(TEST, { email: "trap@example.com" }, { "X-Debug-Fault": "trap", "X-Request-Id": "trap-1" });
  const [t, ...rest] = await Promise.all([trapped, ...inflight]);
  assert.equal(t.status, 500);
  assert.equal(t.json.error.code, 50001);
  // The host's own answer carries the id by the rule of every answer: here the caller's.
  assert.equal(t.headers.get("x-request-id"), "trap-1");
  for (const r of rest) assert.equal(r.status, 201, r.text);
  const after = await create(TEST, { email: "after-trap@example.com" });
  assert.equal(after.status, 201);
  // Log lines reach the test through wrangler's stdout a little later than the answers.
  assert.ok(await eventually(() => worker.logs.some((l) => l.includes("wasm trap") && l.includes('"request_id":"trap-1"'))),
    "the trap is logged under the request's id");
});

test("200 concurrent creates: every 201 has its KV record, no 5xx", async () => {
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    create(TEST, { email: `concurrent-${i}@example.com`, permissions: ["read"] })));
  const statuses = results.map((r) => r.status);
  assert.deepEqual([...new Set(statuses)], [201], `statuses: ${[...new Set(statuses)]}`);
  const keys = await listKeys(worker.persist, "account_membership:test:acct_1:email:concurrent-");
  assert.equal(keys.length, 200);
});

test("more than 256 request headers: 431 with the envelope, never a 500", async () => {
  const headers = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-filler-${i}`, "1"]));
  const res = await create(TEST, { email: "headers@example.com" }, headers);
  assert.equal(res.status, 431, res.text);
  assert.equal(res.json.error.code, 43101);
  assert.equal(res.headers.get("content-type"), "application/json");
});

test("origin down: 502", async () => {
  await origin.close();
  const res = await create(LIVE, { email: "down@example.com" });
  assert.equal(res.status, 502);
  assert.equal(res.json.error.code, 50201);
});
