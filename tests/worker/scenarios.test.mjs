// The shared scenario files replayed through the real worker (wrangler dev, workerd, local KV):
// answers, KV records, scripted faults (X-Debug-Fault), records (written to the local KV first), the
// origin's scripted answer (a real loopback server) and the effect trace (X-Debug-Effects).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startWorker, readSeed, send, getKey, seedKv } from "./harness.mjs";
import {
  scenarioFiles,
  casesFor,
  checkCase,
  checkEffects,
  caseFaults,
  scriptedOrigin,
  scriptedRecords,
} from "../scenarios.mjs";
import { layoutKey } from "../../scripts/kv_layout.mjs";

// A loopback origin playing each case's scripted answer (outcomes.origin, the WASI recording
// format): {status, body} is answered, {error: "timeout"} never is (the worker gives up after
// ORIGIN_TIMEOUT_MS), and {error: "refused"} or no script at all drops the connection, as a
// refused forward is natively and in the WASI command.
async function startOrigin() {
  const state = { answer: null };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const a = state.answer;
      if (a?.status !== undefined) {
        res.writeHead(a.status, { "Content-Type": "application/json" });
        return res.end(typeof a.body === "string" ? a.body : JSON.stringify(a.body ?? {}));
      }
      if (a?.error === "timeout") return setTimeout(() => req.socket.destroy(), 10000).unref();
      req.socket.destroy();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    state,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

for (const doc of scenarioFiles()) {
  test(`scenarios ${doc.file} through wrangler dev`, async (t) => {
    const forwards = doc.vars?.ROUTING !== "edge";
    const origin = forwards ? await startOrigin() : null;
    const vars = origin ? { ...doc.vars, ORIGIN_URL: origin.url } : doc.vars;
    const worker = await startWorker({ vars, seed: readSeed() });
    const debug = doc.vars?.ALLOW_FAULT_INJECTION === "true"; // X-Debug-* headers are honoured only then
    try {
      let replayed = 0,
        traced = 0;
      const { run, skipped } = casesFor(doc, "worker");
      for (const c of skipped) t.diagnostic(`not for this host: ${c.name} (${c.hosts_reason})`);
      for (const c of run) {
        assert.ok(
          debug || (!c.effects && !c.outcomes),
          `${c.name}: effects and outcomes need ALLOW_FAULT_INJECTION=true`,
        );
        assert.ok(origin || !scriptedOrigin(c), `${c.name}: a scripted origin in a file that never forwards`);
        if (origin) origin.state.answer = scriptedOrigin(c);
        if (scriptedRecords(c)) await seedKv(worker.persist, scriptedRecords(c)); // the local KV, under the running worker
        const extra = debug ? { "X-Debug-Effects": "1" } : {};
        if (caseFaults(c).length) extra["X-Debug-Fault"] = caseFaults(c).join(",");
        const res = await send(worker.url, c.request, extra);
        checkCase(c, { ...res, header: (n) => res.headers.get(n) });
        for (const key of c.kv_exists ?? [])
          assert.ok(await getKey(worker.persist, layoutKey(key)), `${c.name}: KV has no ${key}`);
        const trace = res.headers.get("x-debug-effects");
        traced += checkEffects(c, trace && JSON.parse(trace), {
          originFrom: origin?.url,
          originTo: doc.vars?.ORIGIN_URL,
        });
        replayed++;
      }
      assert.equal(replayed, run.length);
      t.diagnostic(`${replayed} cases, ${traced} with their effect trace`);
      // One JSON log line per request, never a credential in it. wrangler relays the worker's
      // console after the answer: wait up to 5 s for the last lines (on a loaded machine they lag).
      let lines = [];
      for (const deadline = Date.now() + 5000; ; await new Promise((r) => setTimeout(r, 100))) {
        lines = worker.jsonLogs().filter((l) => l.level === "info");
        if (lines.length >= replayed || Date.now() > deadline) break;
      }
      assert.ok(lines.length >= replayed, "one log line per request");
      assert.ok(
        !worker.logs.some((l) => l.includes("sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc")),
        "a secret key reached the logs",
      );
    } finally {
      await worker.stop();
      await origin?.close();
    }
  });
}
