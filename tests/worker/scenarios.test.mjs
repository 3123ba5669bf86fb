// The shared scenario files replayed through the real worker (wrangler dev, workerd, local KV).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, readSeed, send, getKey } from "./harness.mjs";
import { scenarioFiles, forHost, checkCase } from "../scenarios.mjs";

for (const doc of scenarioFiles()) {
  test(`scenarios ${doc.file} through wrangler dev`, async (t) => {
    const worker = await startWorker({ vars: doc.vars, seed: readSeed() });
    try {
      let replayed = 0;
      for (const c of doc.cases.filter((c) => forHost(c, "worker"))) {
        const res = await send(worker.url, c.request);
        checkCase(c, { ...res, header: (n) => res.headers.get(n) });
        for (const key of c.kv_exists ?? []) assert.ok(await getKey(worker.persist, key), `${c.name}: KV has no ${key}`);
        replayed++;
      }
      assert.ok(replayed >= doc.cases.length - 2, "cases were skipped");
      t.diagnostic(`${replayed} cases`);
      // One JSON log line per request, never a credential in it.
      const lines = worker.jsonLogs().filter((l) => l.level === "info");
      assert.ok(lines.length >= replayed, "one log line per request");
      assert.ok(!worker.logs.some((l) => l.includes("sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc")), "a secret key reached the logs");
    } finally {
      await worker.stop();
    }
  });
}
