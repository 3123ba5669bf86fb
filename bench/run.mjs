#!/usr/bin/env node
// The benchmark command (scripts/bench runs this). Measures, prints one line per figure and each
// throughput verdict, and writes every figure to build/bench/results.json (not committed: the
// figures worth keeping go to docs/benchmarks.md by hand, with the command and the machine's load).
// The regression gates of scripts/test (tests/wasm/budgets.test.mjs) reuse core_bench and size.
//
//   scripts/bench [--reps 3] [--duration 10] [--connections 16] [--kv-delay-ms 2,20]
//                 [--skip build,size,cold,core,native,throughput,latency] [--quick]
// Stages:
//   build       scripts/build native worker
//   fixture     keys, tokens, requests (bench/lib/fixture.mjs) -> build/bench/fixture.json
//   size        bench/size.mjs: the worker module raw / gzip / brotli, bytes by origin
//   cold        bench/cold_start.mjs: compile, instantiate + configure, first request (fresh Node each);
//               bench/cold_workerd.mjs: the first use of the core in workerd, measured from outside
//   core        bench/core_bench.mjs: CPU per request inside the wasm in V8, glue included
//   native      build/native/native_bench: the same fixture, native
//   throughput  bench/throughput.mjs: product as shipped, baseline, control through wrangler dev
//   latency     the same with every KV call held 2 ms, then 20 ms (--kv-delay-ms)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildFixture, fixtureJson } from "./lib/fixture.mjs";
import { root, work } from "./lib/paths.mjs";
import { median } from "./lib/stats.mjs";
import { coldInWorkerd } from "./cold_workerd.mjs";
import { measureSize } from "./size.mjs";
import { measureThroughput, printVerdicts } from "./throughput.mjs";

const { values: opt } = parseArgs({
  options: {
    reps: { type: "string", default: "3" },
    iterations: { type: "string", default: "10000" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "16" },
    "cold-runs": { type: "string", default: "21" },
    "kv-delay-ms": { type: "string", default: "2,20" },
    skip: { type: "string", default: "" },
    quick: { type: "boolean", default: false },
  },
});
if (opt.quick) Object.assign(opt, { reps: "2", iterations: "1000", duration: "3", "cold-runs": "5" });
const skip = new Set(opt.skip.split(",").filter(Boolean));
const reps = Number(opt.reps);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const say = (...a) => console.log(...a);
const sh = (cmd, args) =>
  execFileSync(cmd, args, {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
  });
const jsonLines = (text) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
const results = { started: new Date().toISOString(), options: opt, stages: {} };
async function stage(name, fn) {
  if (skip.has(name)) return;
  say(`\n== ${name} (load ${load()})`);
  results.stages[name] = { load_before: load(), ...(await fn()) };
}

mkdirSync(work, { recursive: true });
if (!skip.has("build")) sh("scripts/build", ["native", "worker"]);
const fixture = join(work, "fixture.json");
writeFileSync(fixture, fixtureJson(buildFixture({ timed: Number(opt.iterations) })));

await stage("size", async () => {
  const s = measureSize();
  say(
    `worker module: ${s.worker.shipped.raw} B raw, ${s.worker.shipped.gzip} B gzip -9, ${s.worker.shipped.brotli} B brotli`,
  );
  say(`code by origin: ${s.breakdown.by_origin.map((o) => `${o.name} ${o.bytes}`).join(", ")}`);
  return s;
});

await stage("cold", async () => {
  const c = JSON.parse(
    sh(process.execPath, ["bench/cold_start.mjs", "--fixture", fixture, "--runs", opt["cold-runs"]])
      .trim()
      .split("\n")
      .pop(),
  );
  say(
    `compile ${c.compile_ms.median.toFixed(2)} ms, instantiate + configure ${c.instantiate_configure_ms.median.toFixed(2)} ms ` +
      `(second instance ${c.second_instance_configure_ms.median.toFixed(2)} ms), first request ${c.first_request_ms.median.toFixed(2)} ms (medians of ${c.runs})`,
  );
  const w = await coldInWorkerd(Math.max(3, Math.round(Number(opt["cold-runs"]) / 4)));
  say(
    `in workerd (wrangler dev): first use of the core ${w.first_use_ms.toFixed(2)} ms more than a warm request (median of ${w.runs} fresh starts)`,
  );
  return { node: c, workerd: w };
});

await stage("core", async () => {
  const runs = Array.from({ length: reps }, () =>
    jsonLines(sh(process.execPath, ["bench/core_bench.mjs", "--fixture", fixture])),
  );
  const cases = runs[0].map((c) => ({
    case: c.case,
    n: c.n,
    per_request: c.per_request,
    median_us: runs.map((r) => r.find((x) => x.case === c.case).median_us),
    wasm_median_us: runs.map((r) => r.find((x) => x.case === c.case).wasm_median_us),
  }));
  for (const c of cases)
    say(
      `${c.case.padEnd(24)} whole ${median(c.median_us).toFixed(1).padStart(7)} µs  in wasm ${median(c.wasm_median_us).toFixed(1).padStart(7)} µs  (medians of ${reps} runs)`,
    );
  return { cases };
});

await stage("native", async () => {
  const cases = jsonLines(sh(join(root, "build", "native", "native_bench"), [fixture]));
  for (const c of cases)
    say(`${String(c.case).padEnd(24)} native, ${c.mode.padEnd(4)} ${Number(c.median_us).toFixed(1).padStart(7)} µs`);
  return { cases };
});

const throughput = async (kvDelayMs) => {
  const t = await measureThroughput({
    reps,
    duration: Number(opt.duration),
    connections: Number(opt.connections),
    kvDelayMs,
    log: say,
  });
  printVerdicts(t.verdicts, say);
  return t;
};
await stage("throughput", () => throughput(0));
if (!skip.has("latency"))
  for (const ms of opt["kv-delay-ms"].split(",").filter(Boolean).map(Number))
    await stage(`latency_${ms}ms`, () => throughput(ms));

writeFileSync(join(work, "results.json"), JSON.stringify(results, null, 1));
say(`\nall figures: build/bench/results.json (load now ${load()})`);
