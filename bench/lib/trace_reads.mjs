// The KV reads the product makes for a request, traced through its core in Node (the worker's own
// glue, host-shims/workers/core.mjs; effects answered from a Map holding the seed): the keys of
// each read round, in the form the control worker's X-Control-Reads header takes. `requests` run
// in order on one instance and only the last one is traced, so earlier ones warm its caches as the
// benchmark's warm-up does in the worker.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performInMemory } from "./memory_effects.mjs";
import { root } from "./paths.mjs";

export async function traceReads(vars, seedEntries, requests) {
  const { WasmCore } = await import(join(root, "host-shims", "workers", "core.mjs"));
  const module = new WebAssembly.Module(readFileSync(join(root, "dist", "worker", "membership.wasm")));
  const core = new WasmCore(module, { ...vars, ACCOUNT_STORE: {} }, { log: () => {}, webCrypto: true });
  const kv = new Map(seedEntries.map((s) => [s.key, s.value]));
  let rounds = [];
  for (const r of requests) {
    rounds = [];
    const exchange = core.begin(
      { method: "POST", target: r.target, headers: r.headers, body_truncated: false },
      new TextEncoder().encode(r.body),
    );
    try {
      let step = exchange.step();
      while (!step.done) {
        const reads = step.effects.filter((e) => e.op === "kv_get").map((e) => e.key);
        if (reads.length) rounds.push(reads.join(","));
        step = exchange.resume(
          step.effects.map((e) => (e.op === "verify_signature" ? { id: e.id, valid: true } : performInMemory(kv, e))),
        );
      }
      for (const e of step.background) performInMemory(kv, e);
    } finally {
      exchange.end();
    }
  }
  return rounds.join(";");
}
