// The shared scenario files replayed through the real worker (wrangler dev, workerd, local KV).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, readSeed, send, getKey } from "./harness.mjs";
import { scenarioFiles, casesFor, checkCase } from "../scenarios.mjs";
import { layoutKey } from "../../scripts/kv_layout.mjs";

for (const doc of scenarioFiles()) {
  test(`scenarios ${doc.file} through wrangler dev`, async (t) => {
    const worker = await startWorker({ vars: doc.vars, seed: readSeed() });
    try {
      let replayed = 0;
      const { run, skipped } = casesFor(doc, "worker");
      for (const c of skipped) t.diagnostic(`not for this host: ${c.name} (${c.hosts_reason})`);
      for (const c of run) {
        const res = await send(worker.url, c.request);
        checkCase(c, { ...res, header: (n) => res.headers.get(n) });
        for (const key of c.kv_exists ?? []) assert.ok(await getKey(worker.persist, layoutKey(key)), `${c.name}: KV has no ${key}`);
        replayed++;
      }
      assert.equal(replayed, run.length);
      t.diagnostic(`${replayed} cases`);
      // One JSON log line per request, never a credential in it. wrangler relays the worker's
      // console after the answer: wait up to 5 s for the last lines (on a loaded machine they lag).
      let lines = [];
      for (const deadline = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 100))) {
        lines = worker.jsonLogs().filter((l) => l.level === "info");
        if (lines.length >= replayed || Date.now() > deadline) break;
      }
      assert.ok(lines.length >= replayed, "one log line per request");
      assert.ok(!worker.logs.some((l) => l.includes("sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc")), "a secret key reached the logs");
    } finally {
      await worker.stop();
    }
  });
}
