#!/usr/bin/env node
// Core CPU per request inside the wasm, in Node's V8, no HTTP: the fixture's requests run through
// the same JS glue the worker uses (host-shims/workers/core.mjs: begin/step/resume/end), effects
// answered from an in-memory Map. One warm instance per case (fresh KV, fresh caches), warm-up
// requests first, then each timed request measured alone with process.hrtime.
//
//   node bench/core_bench.mjs --fixture build/bench/fixture.json --wasm <module> [--only <case>]
//        [--core <dir with core.mjs>] [--limit n]
//        [--profile out-{case}.cpuprofile]   (V8 CPU profile of the timed requests only)
// Prints one JSON line per case (same fields as bench/native_bench.cpp). Each case runs twice on
// fresh instances: once as is (median_us, p99_us: the whole exchange, JS glue included), and once
// with mb_begin/mb_resume/mb_end wrapped in timers (wasm_median_us, wasm_p99_us: the time inside
// the wasm only, which is what SPEC §7 budgets; the JS side then is the difference).
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

// Time spent inside the heavy exports (everything else the glue calls is a pointer or an alloc).
let inWasm = 0n;
function timeExports(core) {
  const raw = core.exports;
  const wrapped = Object.create(null);
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "function" && ["mb_begin", "mb_resume", "mb_end"].includes(name)) {
      wrapped[name] = (...a) => {
        const t = process.hrtime.bigint();
        try { return value(...a); } finally { inWasm += process.hrtime.bigint() - t; }
      };
    } else {
      Object.defineProperty(wrapped, name, { get: () => raw[name] });
    }
  }
  core.exports = wrapped;
}

// One case on a fresh instance and a fresh KV: warm-up, then the timed requests.
async function runCase(c, { timedExports }) {
  const kv = new Map(fx.seed.map((s) => [s.key, s.value]));
  const notices = [];
  const core = new WasmCore(module, fx.vars, { now: () => fx.now_ms, log: (l) => notices.push(l) });
  if (core.configError) throw new Error(`configuration error: ${notices.join("; ")}`);
  if (timedExports) timeExports(core);
  for (const r of c.warmup) runOne(core, kv, r);
  const timed = c.timed.slice(0, limit);
  Object.assign(counts, { readRounds: 0, reads: 0, writes: 0 });
  let session;
  if (args.profile && !timedExports) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: Number(args.interval) });
    await session.post("Profiler.start");
  }
  const us = new Float64Array(timed.length);
  const wasmUs = new Float64Array(timed.length);
  let ok = 0;
  for (let i = 0; i < timed.length; i++) {
    inWasm = 0n;
    const t0 = process.hrtime.bigint();
    const status = runOne(core, kv, timed[i]);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
    wasmUs[i] = Number(inWasm) / 1000;
    if (status === c.expect) ok++;
    else if (ok + 5 > i) console.error(`${c.name}: request ${i} answered ${status}, expected ${c.expect}`);
  }
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(args.profile.replace("{case}", c.name), JSON.stringify(profile));
    session.disconnect();
  }
  return { us, wasmUs, ok, n: timed.length };
}

let failures = 0;
for (const c of fx.cases) {
  if (args.only && c.name !== args.only) continue;
  const plain = await runCase(c, { timedExports: false });
  const perRequest = { read_rounds: counts.readRounds / plain.n, kv_reads: counts.reads / plain.n, kv_writes: counts.writes / plain.n };
  const timed = args.profile ? null : await runCase(c, { timedExports: true });
  const sorted = Float64Array.from(plain.us).sort();
  const wasmSorted = timed ? Float64Array.from(timed.wasmUs).sort() : null;
  const mean = plain.us.reduce((a, b) => a + b, 0) / plain.n;
  const ok = Math.min(plain.ok, timed ? timed.ok : plain.ok);
  if (ok !== plain.n) failures++;
  console.log(JSON.stringify({ case: c.name, n: plain.n, median_us: percentile(sorted, 0.5), p99_us: percentile(sorted, 0.99), mean_us: mean,
    wasm_median_us: wasmSorted ? percentile(wasmSorted, 0.5) : null, wasm_p99_us: wasmSorted ? percentile(wasmSorted, 0.99) : null,
    status_ok: ok, per_request: perRequest }));
}
process.exitCode = failures ? 1 : 0;
