#!/usr/bin/env node
// Core CPU per request inside the wasm, in Node's V8, no HTTP: the fixture's requests run through
// the same JS glue the worker uses (host-shims/workers/core.mjs: begin/step/resume/end), effects
// answered from an in-memory Map. One warm instance per case (fresh KV, fresh caches), warm-up
// requests first, then each timed request measured alone with process.hrtime.
//
//   node bench/core_bench.mjs --fixture build/bench/fixture.json [--wasm <module>] [--only <case>[,<case>…]]
//        [--core <dir with core.mjs>] [--limit n]
// Prints one JSON line per case (same fields as bench/native_bench.cpp). Each case runs twice on
// fresh instances: once as is (median_us, p99_us: the whole exchange, JS glue included; cpu_us: the
// process's CPU time over the timed requests divided by their number, all threads), and once
// with mb_begin/mb_resume/mb_end wrapped in timers (wasm_median_us, wasm_p99_us: the time inside
// the wasm only; the JS side then is the difference).
//
// The host is set up per case as the worker sets it up (fixture `host`): with the write authority
// (ACCOUNT_STORE bound: creates are kv_put_if_absent, answered from the Map), and/or with WebCrypto
// (verify_signature effects performed by host-shims/workers/signatures.mjs — the worker's own
// code — on Node's crypto.subtle: each key imported once and cached, the exchange awaits the
// verify exactly as the worker does, and the time includes it). Node runs a WebCrypto job on its
// libuv thread pool, so for those cases the wall time includes two thread hand-offs that workerd
// (which verifies on the isolate's thread) does not have; cpu_us counts the pool thread's work.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { performInMemory } from "./lib/memory_effects.mjs";
import { root } from "./lib/paths.mjs";

const { values: args } = parseArgs({
  options: {
    fixture: { type: "string" },
    wasm: { type: "string", default: join(root, "dist", "worker", "membership.wasm") },
    core: { type: "string", default: join(root, "host-shims", "workers") },
    only: { type: "string" },
    limit: { type: "string" },
  },
});
const { WasmCore } = await import(join(args.core, "core.mjs"));
const { verifySignature } = await import(join(args.core, "signatures.mjs"));
const fx = JSON.parse(readFileSync(args.fixture, "utf8"));
const module = new WebAssembly.Module(readFileSync(args.wasm));
const encoder = new TextEncoder();
const limit = args.limit ? Number(args.limit) : Infinity;
const only = args.only ? new Set(args.only.split(",")) : null;

// Effect counters of the timed requests (see perRequest below).
const counts = {};
const resetCounts = () =>
  Object.assign(counts, {
    rounds: 0,
    readRounds: 0,
    writeRounds: 0,
    verifyRounds: 0,
    reads: 0,
    writes: 0,
    putIfAbsent: 0,
    backgroundWrites: 0,
    verifies: 0,
  });
resetCounts();

function countRound(effects) {
  let reads = 0,
    writes = 0,
    verifies = 0;
  for (const e of effects) {
    if (e.op === "kv_get") reads++;
    else if (e.op === "kv_put") writes++;
    else if (e.op === "kv_put_if_absent" || e.op === "kv_claim") {
      writes++;
      counts.putIfAbsent++;
    } else if (e.op === "verify_signature") verifies++;
  }
  counts.rounds++;
  if (reads) {
    counts.readRounds++;
    counts.reads += reads;
  }
  if (writes) {
    counts.writeRounds++;
    counts.writes += writes;
  }
  if (verifies) {
    counts.verifyRounds++;
    counts.verifies += verifies;
  }
}

async function performAsync(kv, e) {
  if (e.op !== "verify_signature") return performInMemory(kv, e);
  try {
    return await verifySignature(e);
  } catch (err) {
    return { id: e.id, failure: 3, detail: String(err?.message ?? err) };
  }
}

function background(kv, step) {
  for (const e of step.background) {
    performInMemory(kv, e);
    if (e.op !== "kv_get") counts.backgroundWrites++;
  }
}

const meta = (r) => ({ method: r.method, target: r.target, headers: r.headers, body_truncated: false });

// As the worker does it: the body as bytes, the metadata as a frame, effects until done.
function runOne(core, kv, r) {
  const exchange = core.begin(meta(r), encoder.encode(r.body));
  try {
    let step = exchange.step();
    while (!step.done) {
      countRound(step.effects);
      step = exchange.resume(step.effects.map((e) => performInMemory(kv, e)));
    }
    background(kv, step);
    return step.status;
  } finally {
    exchange.end();
  }
}

// The same with effects awaited (the WebCrypto cases), as worker.mjs's loop does.
async function runOneAsync(core, kv, r) {
  const exchange = core.begin(meta(r), encoder.encode(r.body));
  try {
    let step = exchange.step();
    while (!step.done) {
      countRound(step.effects);
      const outcomes = await Promise.all(step.effects.map((e) => performAsync(kv, e)));
      step = exchange.resume(outcomes);
    }
    background(kv, step);
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
        try {
          return value(...a);
        } finally {
          inWasm += process.hrtime.bigint() - t;
        }
      };
    } else {
      Object.defineProperty(wrapped, name, { get: () => raw[name] });
    }
  }
  core.exports = wrapped;
}

// The worker's env for a case: the fixture's vars, plus the bindings the case's host has.
function envFor(c) {
  const env = { ...fx.vars };
  if (c.host?.writeAuthority) env.ACCOUNT_STORE = { idFromName: (name) => name };
  return env;
}

// One case on a fresh instance and a fresh KV: warm-up, then the timed requests.
async function runCase(c, { timedExports }) {
  const kv = new Map(fx.seed.map((s) => [s.key, s.value]));
  const notices = [];
  const core = new WasmCore(module, envFor(c), {
    now: () => fx.now_ms,
    log: (l) => notices.push(l),
    webCrypto: Boolean(c.host?.webCrypto),
  });
  if (core.configError) throw new Error(`configuration error: ${notices.join("; ")}`);
  if (timedExports) timeExports(core);
  const isAsync = Boolean(c.host?.webCrypto);
  for (const r of c.warmup) isAsync ? await runOneAsync(core, kv, r) : runOne(core, kv, r);
  const timed = c.timed.slice(0, limit);
  resetCounts();
  const us = new Float64Array(timed.length);
  const wasmUs = new Float64Array(timed.length);
  let ok = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < timed.length; i++) {
    inWasm = 0n;
    const t0 = process.hrtime.bigint();
    const status = isAsync ? await runOneAsync(core, kv, timed[i]) : runOne(core, kv, timed[i]);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
    wasmUs[i] = Number(inWasm) / 1000;
    if (status === c.expect) ok++;
    else if (ok + 5 > i) console.error(`${c.name}: request ${i} answered ${status}, expected ${c.expect}`);
  }
  const cpu = process.cpuUsage(cpu0);
  return { us, wasmUs, ok, n: timed.length, cpuUs: (cpu.user + cpu.system) / timed.length };
}

let failures = 0;
for (const c of fx.cases) {
  if (only && !only.has(c.name)) continue;
  const plain = await runCase(c, { timedExports: false });
  const n = plain.n;
  const perRequest = {
    rounds: counts.rounds / n,
    read_rounds: counts.readRounds / n,
    write_rounds: counts.writeRounds / n,
    verify_rounds: counts.verifyRounds / n,
    kv_reads: counts.reads / n,
    kv_writes: (counts.writes + counts.backgroundWrites) / n,
    foreground_writes: counts.writes / n,
    background_writes: counts.backgroundWrites / n,
    put_if_absent: counts.putIfAbsent / n,
    verifies: counts.verifies / n,
  };
  const timed = await runCase(c, { timedExports: true });
  const sorted = Float64Array.from(plain.us).sort();
  const wasmSorted = timed ? Float64Array.from(timed.wasmUs).sort() : null;
  const mean = plain.us.reduce((a, b) => a + b, 0) / n;
  const ok = Math.min(plain.ok, timed ? timed.ok : plain.ok);
  if (ok !== n) failures++;
  console.log(
    JSON.stringify({
      case: c.name,
      n,
      median_us: percentile(sorted, 0.5),
      p99_us: percentile(sorted, 0.99),
      mean_us: mean,
      cpu_us: plain.cpuUs,
      wasm_median_us: wasmSorted ? percentile(wasmSorted, 0.5) : null,
      wasm_p99_us: wasmSorted ? percentile(wasmSorted, 0.99) : null,
      status_ok: ok,
      per_request: perRequest,
      host: c.host ?? {},
    }),
  );
}
process.exitCode = failures ? 1 : 0;
