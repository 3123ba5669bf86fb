#!/usr/bin/env node
// Throughput through `wrangler dev` on loopback: the product as shipped (its own wrangler.toml,
// static assets included), the baseline (Hono + zod + jose) and the control worker (the product's KV
// reads for the scenario, a fixed answer: the platform's floor), all started at once and measured
// in turns within each repetition (the order rotates), each load run by wrk (one thread, N
// connections, D seconds, bench/wrk/membership.lua). Scenarios:
//   replay     KV-answered 200: the same create again (API key)
//   create     201: a new email per request (API key)
//   jwt_rs256  201 with a first-seen RS256 JWT per request (tokens pre-signed per run)
// CPU per request: utime+stime of each wrangler process tree, before and after a run, divided by
// the requests answered. --kv-delay-ms N: every KV call of every worker waits N ms first
// (bench/lib/kv_delay.mjs), the latency view of production, where KV is a network call.
//
//   node bench/throughput.mjs [--reps 3] [--duration 10] [--connections 16] [--kv-delay-ms 0]
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import {
  API_KEY,
  TARGET,
  makeKeys,
  readSeed,
  request,
  seedEntries,
  signFor,
  tokenClaims,
  varsFor,
} from "./lib/fixture.mjs";
import { root, work } from "./lib/paths.mjs";
import { traceReads } from "./lib/trace_reads.mjs";
import { benchConfig, startWrangler } from "./lib/workers.mjs";

const run = promisify(execFile);
export const SCENARIOS = ["replay", "create", "jwt_rs256"];
const WORKERS = ["product", "baseline", "control"];
// Targets, every repetition: product / baseline and product / control requests per second.
export const TARGETS = {
  replay: { baseline: 1.3, control: 0.9 },
  create: { baseline: 1.1, control: 0.9 },
  jwt_rs256: { baseline: 1.3, control: 0.9 },
};
const REPLAY_BODY = '{"workspace_membership_id":"wsm_1","permissions":["read"]}';
const mode = (scenario) => (scenario === "jwt_rs256" ? "jwt" : scenario);

async function wrk(url, { scenario, runId, tokenFile = "", controlReads = "", duration, connections }) {
  const args = [
    "-t1",
    `-c${connections}`,
    `-d${duration}s`,
    "--timeout",
    "10s",
    "-s",
    join(root, "bench", "wrk", "membership.lua"),
    url,
    "--",
    mode(scenario),
    runId,
    API_KEY,
    tokenFile,
    controlReads,
  ];
  const { stdout } = await run("wrk", args, { maxBuffer: 16 * 1024 * 1024 });
  const line = stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .pop();
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  return JSON.parse(line);
}

// The control worker's reads per scenario: the product's, traced on a request of that kind made
// after one warm-up request of the same kind (warm caches, as in the measured runs).
async function controlReads(keys, vars) {
  const seed = seedEntries(readSeed());
  const email = (i) => JSON.stringify({ email: `trace-${i}@bench.example.com`, permissions: ["read"] });
  const jwt = (i) => request(signFor("RS256", keys, tokenClaims(Date.now(), i, "trace")), email(i), TARGET);
  return {
    replay: await traceReads(vars, seed, [request(API_KEY, REPLAY_BODY), request(API_KEY, REPLAY_BODY)]),
    create: await traceReads(vars, seed, [request(API_KEY, email(0)), request(API_KEY, email(1))]),
    jwt_rs256: await traceReads(vars, seed, [jwt(0), jwt(1)]),
  };
}

export async function measureThroughput({
  reps = 3,
  duration = 10,
  connections = 16,
  warmup = 3,
  kvDelayMs = 0,
  log = console.error,
} = {}) {
  const keys = makeKeys();
  const vars = { ...varsFor(keys), KV_DELAY_MS: String(kvDelayMs) };
  const reads = await controlReads(keys, vars);
  log(`control reads (rounds ';', keys ','): ${JSON.stringify(reads)}`);
  const workers = {};
  try {
    for (const name of WORKERS)
      workers[name] = await startWrangler({ config: benchConfig(name, { kvDelayMs }), vars, seed: readSeed() });
    let tokenRun = 0;
    const tokenFile = () => {
      const file = join(work, `tokens-${tokenRun++}.txt`);
      const n = Math.max(3000, duration * 800);
      writeFileSync(
        file,
        Array.from({ length: n }, (_, i) => signFor("RS256", keys, tokenClaims(Date.now(), i, `load${tokenRun}`))).join(
          "\n",
        ) + "\n",
      );
      return file;
    };
    const results = [];
    for (let rep = warmup > 0 ? -1 : 0; rep < reps; rep++) {
      for (const scenario of SCENARIOS) {
        const order = WORKERS.map((_, i) => WORKERS[(i + Math.max(rep, 0)) % WORKERS.length]);
        for (const worker of order) {
          const w = workers[worker];
          const load = loadavg()[0];
          const cpu0 = w.cpu();
          const out = await wrk(w.url, {
            scenario,
            runId: `r${rep}${worker[0]}${Date.now().toString(36)}`,
            duration: rep < 0 ? warmup : duration,
            connections,
            tokenFile: scenario === "jwt_rs256" && worker !== "control" ? tokenFile() : "",
            controlReads: worker === "control" ? reads[scenario] : "",
          });
          await new Promise((r) => setTimeout(r, 300)); // the last log lines and background writes
          if (rep < 0) continue;
          const r = {
            rep,
            scenario,
            worker,
            requests: out.requests,
            rps: out.requests / (out.duration_us / 1e6),
            p50_ms: out.latency_us.p50 / 1000,
            p99_ms: out.latency_us.p99 / 1000,
            statuses: out.statuses,
            errors: out.errors,
            cpu_us_per_request: ((w.cpu() - cpu0) / out.requests) * 1e6,
            load_before: load,
            load_after: loadavg()[0],
          };
          results.push(r);
          log(
            `rep ${rep} ${scenario.padEnd(9)} ${worker.padEnd(8)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50_ms.toFixed(2)} ms  p99 ${r.p99_ms.toFixed(2)} ms  ` +
              `CPU ${r.cpu_us_per_request.toFixed(0)} µs/req  load ${load.toFixed(2)}  ${JSON.stringify(out.statuses)}`,
          );
        }
      }
    }
    return {
      reps,
      duration_s: duration,
      connections,
      kv_delay_ms: kvDelayMs,
      control_reads: reads,
      results,
      verdicts: verdicts(results),
    };
  } finally {
    for (const w of Object.values(workers)) await w.stop();
  }
}

// Per scenario and repetition: the product's ratio to the baseline and to the control, each
// against its target; a scenario passes when every repetition does.
export function verdicts(results) {
  const rps = (scenario, worker, rep) =>
    results.find((r) => r.scenario === scenario && r.worker === worker && r.rep === rep)?.rps;
  const reps = [...new Set(results.map((r) => r.rep))];
  return SCENARIOS.flatMap((scenario) =>
    ["baseline", "control"].map((peer) => {
      const ratios = reps.map((rep) => rps(scenario, "product", rep) / rps(scenario, peer, rep));
      const target = TARGETS[scenario][peer];
      return { scenario, peer, target, ratios, met: ratios.every((x) => x >= target) };
    }),
  );
}

export function printVerdicts(v, print = console.log) {
  for (const x of v)
    print(
      `${x.met ? "MET   " : "MISSED"} ${x.scenario.padEnd(9)} product/${x.peer.padEnd(8)} ≥ ${x.target.toFixed(2)}: ${x.ratios.map((r) => r.toFixed(2)).join(" ")}`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: o } = parseArgs({
    options: {
      reps: { type: "string", default: "3" },
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "16" },
      warmup: { type: "string", default: "3" },
      "kv-delay-ms": { type: "string", default: "0" },
      out: { type: "string" },
    },
  });
  const res = await measureThroughput({
    reps: Number(o.reps),
    duration: Number(o.duration),
    connections: Number(o.connections),
    warmup: Number(o.warmup),
    kvDelayMs: Number(o["kv-delay-ms"]),
  });
  printVerdicts(res.verdicts);
  if (o.out) writeFileSync(o.out, JSON.stringify(res, null, 1));
}
