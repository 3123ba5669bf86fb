// The write authority's compare-and-set (host-shims/workers/account_store.mjs) in real workerd:
// created once, the stored value afterwards, an expired record treated as absent and replaced.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startWorker, root } from "./harness.mjs";

let worker;
before(async () => {
  worker = await startWorker({ config: join(root, "tests", "worker", "account-store", "wrangler.toml") });
});
after(async () => worker?.stop());

async function call(object, calls) {
  const res = await fetch(worker.url, {
    method: "POST",
    body: JSON.stringify({ object, calls }),
    signal: AbortSignal.timeout(20000),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

test("a key is created once; later calls get the stored value, whatever they bring", async () => {
  const got = await call("test:acct_cas", [
    { key: "m1", value: "first" },
    { key: "m1", value: "first" },
    { key: "m1", value: "second" },
    { key: "m2", value: "other" },
  ]);
  assert.deepEqual(got, [
    { created: true },
    { created: false, value: "first" },
    { created: false, value: "first" },
    { created: true },
  ]);
});

test("objects are separate: the same key in another object is its own record", async () => {
  assert.deepEqual(await call("live:acct_cas", [{ key: "m1", value: "live" }]), [{ created: true }]);
  assert.deepEqual(await call("test:acct_cas", [{ key: "m1", value: "x" }]), [{ created: false, value: "first" }]);
});

test("an expired record counts as absent and is replaced; the new one then holds", async () => {
  assert.deepEqual(
    await call("test:acct_ttl", [
      { key: "k", value: "old", ttl: 1 },
      { key: "k", value: "new", ttl: 1 },
    ]),
    [{ created: true }, { created: false, value: "old" }],
  );
  await new Promise((r) => setTimeout(r, 1300));
  assert.deepEqual(
    await call("test:acct_ttl", [
      { key: "k", value: "new", ttl: 60 },
      { key: "k", value: "newer", ttl: 60 },
    ]),
    [{ created: true }, { created: false, value: "new" }],
  );
});

test("the periodic sweep of expired rows leaves live records alone", async () => {
  const live = Array.from({ length: 10 }, (_, i) => ({ key: `live${i}`, value: `v${i}` }));
  const expiring = Array.from({ length: 300 }, (_, i) => ({ key: `e${i}`, value: "e", ttl: 1 }));
  await call("test:acct_sweep", [...live, ...expiring.slice(0, 100)]);
  await new Promise((r) => setTimeout(r, 1300));
  const got = await call("test:acct_sweep", [
    ...expiring.slice(100),
    ...live.map((c) => ({ ...c, value: "changed" })),
    { key: "e0", value: "again" },
  ]);
  assert.ok(
    got.slice(0, 200).every((r) => r.created === true),
    "new keys are created",
  );
  assert.deepEqual(
    got.slice(200, 210),
    live.map((c) => ({ created: false, value: c.value })),
  );
  assert.deepEqual(got[210], { created: true }, "an expired key (swept or not) is created again");
});

test("an Idempotency-Key's object: a claim, its answer replacing it, a released claim claimed again", async () => {
  const key = "idempotency:test:key_1:k1";
  assert.deepEqual(
    await call(key, [
      { key, value: "claim-a", ttl: 15 },
      { key, value: "claim-b", ttl: 15 },
      { op: "put", key, value: "answer", ttl: 86400 },
      { key, value: "claim-c", ttl: 15 },
    ]),
    [{ created: true }, { created: false, value: "claim-a" }, null, { created: false, value: "answer" }],
  );
  const other = "idempotency:test:key_1:k2";
  assert.deepEqual(
    await call(other, [
      { key: other, value: "claim-a", ttl: 15 },
      { op: "delete", key: other },
      { key: other, value: "claim-b", ttl: 15 },
    ]),
    [{ created: true }, null, { created: true }],
  );
});

test("the alarm removes an expired claim from a key's object", async () => {
  const key = "idempotency:test:key_1:alarm";
  assert.deepEqual(await call(key, [{ key, value: "claim", ttl: 1 }, { op: "rows" }]), [{ created: true }, 1]);
  await new Promise((r) => setTimeout(r, 2500));
  assert.deepEqual(await call(key, [{ op: "rows" }]), [0], "the expired row was deleted, not only ignored");
  assert.deepEqual(await call(key, [{ key, value: "again", ttl: 15 }]), [{ created: true }]);
});
