#!/usr/bin/env node
// Core CPU per request inside the wasm, in Node's V8, no HTTP: the fixture's requests run through
// the same JS glue the worker uses (host-shims/workers/core.mjs: begin/step/resume/end), effects
// answered from an in-memory Map. One warm instance per case (fresh KV, fresh caches), warm-up
// requests first, then each timed request measured alone with process.hrtime.
//
//   node bench/core_bench.mjs --fixture build/bench/fixture.json --wasm <module> [--only <case>]
//        [--core <dir with core.mjs>] [--limit n]
//        [--profile out-{case}.cpuprofile]   (V8 CPU profile of the timed requests only)
// Prints one JSON line per case (same fields as bench/native_bench.cpp).
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { root } from "./lib/paths.mjs";

const { values: args } = parseArgs({
  options: {
    fixture: { type: "string" },
    wasm: { type: "string", default: join(root, "dist", "worker", "membership.wasm") },
    core: { type: "string", default: join(root, "host-shims", "workers") },
    only: { type: "string" },
    limit: { type: "string" },
    profile: { type: "string" }, // write a V8 CPU profile of the timed requests to this file
    interval: { type: "string", default: "50" }, // sampling interval in µs for --profile
  },
});
const { WasmCore } = await import(join(args.core, "core.mjs"));
const fx = JSON.parse(readFileSync(args.fixture, "utf8"));
const module = new WebAssembly.Module(readFileSync(args.wasm));
const encoder = new TextEncoder();
const limit = args.limit ? Number(args.limit) : Infinity;

function perform(kv, e) {
  switch (e.op) {
    case "kv_get": return { id: e.id, ok: true, value: kv.get(e.key) ?? null };
    case "kv_put": kv.set(e.key, e.value); return { id: e.id, ok: true };
    case "rate_limit": return { id: e.id, ok: true, allowed: true };
    default: return { id: e.id, ok: false, error: "refused" };
  }
}

// Effect counters of the timed requests: read rounds, KV reads, KV writes (incl. background).
const counts = { readRounds: 0, reads: 0, writes: 0 };

// As the worker does it: the body as bytes, the metadata as JSON, effects until done.
function runOne(core, kv, r) {
  const exchange = core.begin({ method: r.method, target: r.target, headers: r.headers, body_truncated: false }, encoder.encode(r.body));
  try {
    let step = exchange.step();
    while (!step.done) {
      let reads = 0;
      for (const e of step.effects) if (e.op === "kv_get") reads++; else if (e.op === "kv_put") counts.writes++;
      if (reads) { counts.readRounds++; counts.reads += reads; }
      step = exchange.resume(step.effects.map((e) => perform(kv, e)));
    }
    for (const e of step.background) { perform(kv, e); if (e.op === "kv_put") counts.writes++; }
    return step.status;
  } finally {
    exchange.end();
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
}

let failures = 0;
for (const c of fx.cases) {
  if (args.only && c.name !== args.only) continue;
  const kv = new Map(fx.seed.map((s) => [s.key, s.value]));
  const notices = [];
  const core = new WasmCore(module, fx.vars, { now: () => fx.now_ms, log: (l) => notices.push(l) });
  if (core.configError) throw new Error(`configuration error: ${notices.join("; ")}`);
  for (const r of c.warmup) runOne(core, kv, r);
  const timed = c.timed.slice(0, limit);
  Object.assign(counts, { readRounds: 0, reads: 0, writes: 0 });
  let session;
  if (args.profile) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: Number(args.interval) });
    await session.post("Profiler.start");
  }
  const us = new Float64Array(timed.length);
  let ok = 0;
  for (let i = 0; i < timed.length; i++) {
    const t0 = process.hrtime.bigint();
    const status = runOne(core, kv, timed[i]);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (status === c.expect) ok++;
    else if (ok + 5 > i) console.error(`${c.name}: request ${i} answered ${status}, expected ${c.expect}`);
  }
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(args.profile.replace("{case}", c.name), JSON.stringify(profile));
    session.disconnect();
  }
  const sorted = Float64Array.from(us).sort();
  const mean = us.reduce((a, b) => a + b, 0) / us.length;
  if (ok !== timed.length) failures++;
  console.log(JSON.stringify({ case: c.name, n: us.length, median_us: percentile(sorted, 0.5), p99_us: percentile(sorted, 0.99), mean_us: mean, status_ok: ok,
    per_request: { read_rounds: counts.readRounds / us.length, kv_reads: counts.reads / us.length, kv_writes: counts.writes / us.length } }));
}
process.exitCode = failures ? 1 : 0;
