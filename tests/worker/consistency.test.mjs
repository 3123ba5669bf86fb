// Consistent creates through the real worker with real Durable Objects: the ACCOUNT_STORE object
// of each account is the write authority of its memberships, the object named after an
// Idempotency-Key that of the key (tests/worker/idempotency.test.mjs races it), KV the read replica.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker, readSeed, send, listKeys, configVariant, eventually } from "./harness.mjs";
import { layoutKey } from "../../scripts/kv_layout.mjs";

const KEY = "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
let worker, stale;

const create = (w, json, extra = {}) =>
  send(w.url, {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Authorization: KEY, "Content-Type": "application/json", ...extra },
    json,
  });
const count = (results) => results.reduce((c, r) => ({ ...c, [r.status]: (c[r.status] ?? 0) + 1 }), {});

before(async () => {
  worker = await startWorker({ seed: readSeed(), vars: { ROUTING: "edge", RATE_LIMIT_PER_MINUTE: "0" } });
  stale = await startWorker({
    seed: readSeed(),
    vars: { ROUTING: "edge", RATE_LIMIT_PER_MINUTE: "0", ALLOW_FAULT_INJECTION: "true", FAULTS: "kv_get:stale" },
  });
});
after(async () => {
  await worker?.stop();
  await stale?.stop();
});

test("50 concurrent identical creates: one 201, 49 × 200 with the same id, one record in KV", async () => {
  const results = await Promise.all(
    Array.from({ length: 50 }, () => create(worker, { email: "fifty@example.com", permissions: ["read"] })),
  );
  assert.deepEqual(count(results), { 200: 49, 201: 1 }, results.find((r) => r.status >= 300)?.text);
  assert.equal(new Set(results.map((r) => r.json.data.id)).size, 1);
  const keys = await eventually(async () => {
    const k = await listKeys(worker.persist, layoutKey("account_membership:test:acct_1:email:fifty@example.com"));
    return k.length ? k : null;
  });
  assert.deepEqual(keys, [layoutKey("account_membership:test:acct_1:email:fifty@example.com")]);
});

test("50 concurrent identical creates under one Idempotency-Key: one 201, the others its replay or 40903", async () => {
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      create(worker, { email: "fifty-idem@example.com" }, { "Idempotency-Key": "fifty-1" }),
    ),
  );
  const created = results.filter((r) => r.status === 201);
  const busy = results.filter((r) => r.status === 409);
  assert.equal(created.length + busy.length, 50, results.find((r) => r.status !== 201 && r.status !== 409)?.text);
  assert.equal(created.filter((r) => r.headers.get("idempotent-replayed") !== "true").length, 1, "one fresh 201");
  assert.equal(new Set(created.map((r) => r.text)).size, 1, "every 201 is the same membership, byte for byte");
  for (const r of busy) {
    assert.equal(r.json.error.code, 40903, r.text); // the key's request was still running
    assert.equal(r.headers.get("retry-after"), "1");
  }
  const retry = await create(worker, { email: "fifty-idem@example.com" }, { "Idempotency-Key": "fifty-1" });
  assert.equal(retry.text, created[0].text);
});

test("kv_get:stale: an existing membership answers 200 with its original id; a keyed retry its stored answer", async () => {
  const first = await create(stale, { email: "stale@example.com" });
  assert.equal(first.status, 201, first.text);
  const again = await create(stale, { email: "stale@example.com" });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.data.id, first.json.data.id, "not a second membership");

  const keyed = await create(stale, { email: "stale-key@example.com" }, { "Idempotency-Key": "stale-1" });
  assert.equal(keyed.status, 201);
  const retry = await create(stale, { email: "stale-key@example.com" }, { "Idempotency-Key": "stale-1" });
  assert.equal(retry.status, 201);
  assert.equal(retry.text, keyed.text);
  assert.equal(retry.headers.get("idempotent-replayed"), "true");
  const keys = await listKeys(stale.persist, layoutKey("account_membership:test:acct_1:email:stale"));
  assert.equal(keys.length, 2, `one record each: ${keys}`);
});

test("without the ACCOUNT_STORE binding the worker runs on KV alone, as documented", async () => {
  const config = configVariant("kv-only", (base) =>
    base.replace(/# -- account-store begin[\s\S]*?# -- account-store end\n/, ""),
  );
  const w = await startWorker({ config, seed: readSeed(), vars: { ROUTING: "edge" } });
  try {
    const r1 = await create(w, { email: "kv-only@example.com" });
    assert.equal(r1.status, 201, r1.text);
    const r2 = await create(w, { email: "kv-only@example.com" });
    assert.equal(r2.status, 200);
    assert.equal(r2.json.data.id, r1.json.data.id);
    const keyed = await create(w, { email: "kv-only-key@example.com" }, { "Idempotency-Key": "kv-only-1" });
    assert.equal(keyed.status, 201);
    const replay = await create(w, { email: "kv-only-key@example.com" }, { "Idempotency-Key": "kv-only-1" });
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
    const logs = w.jsonLogs().filter((l) => l.level === "info" && l.status === 201);
    assert.ok(logs.length >= 2);
  } finally {
    await w.stop();
  }
});
