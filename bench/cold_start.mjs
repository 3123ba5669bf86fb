#!/usr/bin/env node
// Cold start of the worker module in Node's V8: WebAssembly.compile, then instantiate +
// _initialize + mb_configure (new WasmCore(module, vars): what the worker does at module scope and
// on its first request), then the first request (API-key create, caches cold, KV from memory).
// Each sample is a fresh Node process (no compiled-module cache shared between samples);
// the parent prints the medians.
//
//   node bench/cold_start.mjs --fixture build/bench/fixture.json [--wasm m.wasm] [--runs 41]
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { root } from "./lib/paths.mjs";

const { values: args } = parseArgs({
  options: {
    fixture: { type: "string" },
    wasm: { type: "string", default: join(root, "dist", "worker", "membership.wasm") },
    core: { type: "string", default: join(root, "host-shims", "workers") },
    runs: { type: "string", default: "41" },
    child: { type: "boolean", default: false },
    flags: { type: "string", default: "" }, // V8 flags for the samples, e.g. --no-wasm-lazy-compilation
    "no-jwt": { type: "boolean", default: false }, // configure without the JWT variables
  },
});

const ms = (t0, t1) => Number(t1 - t0) / 1e6;

async function sample() {
  const { WasmCore } = await import(join(args.core, "core.mjs"));
  const small = JSON.parse(readFileSync(`${args.fixture}.cold.json`, "utf8"));
  const fx = { vars: small.vars, now_ms: small.now_ms };
  const bytes = readFileSync(args.wasm);
  const t0 = process.hrtime.bigint();
  const module = await WebAssembly.compile(bytes);
  const t1 = process.hrtime.bigint();
  const core = new WasmCore(module, undefined, { now: () => fx.now_ms, log: () => {} });
  const t2 = process.hrtime.bigint();
  const vars = { ...fx.vars };
  if (args["no-jwt"]) for (const k of ["JWT_ISSUER", "JWT_AUDIENCE", "JWT_JWKS", "JWT_HS256_SECRET"]) delete vars[k];
  core.configure(vars);
  const t3 = process.hrtime.bigint();
  const { expect, request: r, seed } = small;
  const c = { expect };
  const kv = new Map(seed.map((x) => [x.key, x.value]));
  const t3b = process.hrtime.bigint();
  const ex = core.begin(
    { method: r.method, target: r.target, headers: r.headers, body_truncated: false },
    new TextEncoder().encode(r.body),
  );
  let step = ex.step();
  let readRounds = 0;
  let reads = 0;
  while (!step.done) {
    const n = step.effects.filter((e) => e.op === "kv_get").length;
    if (n) {
      readRounds++;
      reads += n;
    }
    step = ex.resume(
      step.effects.map((e) =>
        e.op === "kv_get"
          ? { id: e.id, ok: true, value: kv.get(e.key) ?? null }
          : (kv.set(e.key, e.value), { id: e.id, ok: true }),
      ),
    );
  }
  ex.end();
  const t4 = process.hrtime.bigint();
  if (core.configError || step.status !== c.expect) throw new Error(`cold start sample answered ${step.status}`);
  // A second instance of the same compiled module in the same process: V8 has compiled what
  // configure runs, so this is the product's own instantiate + configure work.
  const t5 = process.hrtime.bigint();
  const second = new WasmCore(module, undefined, { now: () => fx.now_ms, log: () => {} });
  second.configure(vars);
  const t6 = process.hrtime.bigint();
  return {
    compile_ms: ms(t0, t1),
    instantiate_ms: ms(t1, t2),
    configure_ms: ms(t2, t3),
    instantiate_configure_ms: ms(t1, t3),
    total_ms: ms(t0, t3),
    first_request_ms: ms(t3b, t4),
    second_instance_configure_ms: ms(t5, t6),
    first_request_read_rounds: readRounds,
    first_request_kv_reads: reads,
  };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

if (args.child) {
  console.log(JSON.stringify(await sample()));
} else {
  // What a sample needs, in a small file: the fixture is hundreds of megabytes, and parsing it in
  // every sample would take longer than the sample (and leave a heap whose collection lands in it).
  const fx = JSON.parse(readFileSync(args.fixture, "utf8"));
  const c = fx.cases.find((k) => k.name === "apikey_create");
  writeFileSync(
    `${args.fixture}.cold.json`,
    JSON.stringify({
      vars: fx.vars,
      now_ms: fx.now_ms,
      expect: c.expect,
      request: c.timed[0],
      seed: fx.seed.filter((x) => !x.key.includes("wsm_bench_")),
    }),
  );
  const samples = [];
  for (let i = 0; i < Number(args.runs); i++) {
    const flags = args.flags.split(" ").filter(Boolean);
    const out = execFileSync(
      process.execPath,
      [
        ...flags,
        new URL(import.meta.url).pathname,
        "--child",
        "--fixture",
        args.fixture,
        "--wasm",
        args.wasm,
        "--core",
        args.core,
        ...(args["no-jwt"] ? ["--no-jwt"] : []),
      ],
      { encoding: "utf8" },
    );
    samples.push(JSON.parse(out.trim().split("\n").pop()));
  }
  const summary = {};
  for (const k of Object.keys(samples[0])) {
    const xs = samples.map((s) => s[k]);
    summary[k] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  }
  console.log(JSON.stringify({ runs: samples.length, ...summary }));
}
