#!/usr/bin/env node
// Cold start inside workerd (wrangler dev, the product as shipped). Inside an isolate the clocks
// stand still while code runs, so this measures from outside: a fresh `wrangler dev` per sample
// (the module is instantiated at its startup; it is polled on a static asset, which does not run
// the worker), then the first request that reaches the core,
// GET /preview/config.json (configure on first use, then a tiny exchange), and five more. First
// minus the median of the next five is what the first use costs: configure plus V8 compiling,
// on first call, what it runs (the wasm and the glue).
//
//   node bench/cold_workerd.mjs [--runs 5]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { makeKeys, readSeed, varsFor } from "./lib/fixture.mjs";
import { median } from "./lib/stats.mjs";
import { benchConfig, startWrangler } from "./lib/workers.mjs";

export async function coldInWorkerd(runs = 5) {
  const vars = varsFor(makeKeys());
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const w = await startWrangler({ config: benchConfig("product"), vars, seed: readSeed(), probe: "/preview/" });
    try {
      const times = [];
      for (let k = 0; k < 6; k++) {
        const t0 = process.hrtime.bigint();
        const res = await fetch(`${w.url}/preview/config.json`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`/preview/config.json answered ${res.status}`);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      samples.push({
        first_ms: times[0],
        warm_ms: median(times.slice(1)),
        first_use_ms: times[0] - median(times.slice(1)),
        load: loadavg()[0],
      });
    } finally {
      await w.stop();
    }
  }
  return { runs, first_use_ms: median(samples.map((s) => s.first_use_ms)), samples };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
  console.log(JSON.stringify(await coldInWorkerd(Number(values.runs))));
}
