// KV_TEST and KV_LIVE bound: each mode reads and writes only its own namespace (docs/storage.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, readSeed, send, seedKv, getKey, configVariant } from "./harness.mjs";
import { bulkEntries } from "../../scripts/seed.mjs";

test("with KV_TEST and KV_LIVE, sandbox and live data sit in different stores", async () => {
  // The shipped wrangler.toml plus the two bindings.
  const config = configVariant(
    "split-stores",
    (base) =>
      base +
      '\n[[kv_namespaces]]\nbinding = "KV_TEST"\nid = "membership-edge-kv-test"\n\n[[kv_namespaces]]\nbinding = "KV_LIVE"\nid = "membership-edge-kv-live"\n',
  );
  const entries = bulkEntries(readSeed());
  const worker = await startWorker({ config, vars: { ROUTING: "edge" } });
  try {
    const mode = (e) => (e.key.startsWith("apikey:") ? JSON.parse(e.value).mode : e.key.split(":")[1]);
    await seedKv(
      worker.persist,
      entries.filter((e) => mode(e) === "test"),
      "KV_TEST",
      config,
    );
    await seedKv(
      worker.persist,
      entries.filter((e) => mode(e) === "live"),
      "KV_LIVE",
      config,
    );
    const create = (key, email) =>
      send(worker.url, {
        method: "POST",
        target: "/v1/account-memberships/?account_id=acct_1",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        json: { email },
      });
    const t = await create("sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc", "split-test@example.com");
    assert.equal(t.status, 201, t.text);
    const l = await create("sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc", "split-live@example.com");
    assert.equal(l.status, 201, l.text);
    assert.ok(
      await getKey(worker.persist, "account_membership:test:acct_1:email:split-test@example.com", "KV_TEST", config),
    );
    assert.equal(
      await getKey(worker.persist, "account_membership:test:acct_1:email:split-test@example.com", "KV_LIVE", config),
      null,
    );
    assert.ok(
      await getKey(worker.persist, "account_membership:live:acct_1:email:split-live@example.com", "KV_LIVE", config),
    );
    assert.equal(
      await getKey(worker.persist, "account_membership:live:acct_1:email:split-live@example.com", "KV_TEST", config),
      null,
    );
    assert.equal(
      await getKey(worker.persist, "account_membership:test:acct_1:email:split-test@example.com", "KV", config),
      null,
    );
  } finally {
    await worker.stop();
  }
});
