#!/usr/bin/env node
// Throughput through `wrangler dev` on loopback: the empty worker (the ceiling), the product and
// the baseline (Hono + zod + jose), all started at once and measured in the same run, each load
// run by wrk (Debian's /usr/bin/wrk, one thread, N connections, D seconds) with
// bench/wrk/membership.lua. Scenarios:
//   empty          the empty worker (same POST as the replay)
//   replay         KV-answered 200: the same create again (API key)
//   create         201: a new email per request (API key)
//   jwt_rs256      201 with a first-seen RS256 JWT per request (tokens pre-signed per run)
// The product runs twice: as shipped (ACCOUNT_STORE Durable Object as the write authority) and with
// KV alone (product_kv), so the create rows price the object. The diagnostic worker's rows price a
// log line, a KV read and, per case, one exchange of the product's core inside workerd.
// CPU per request: utime+stime from /proc/<pid>/stat of the worker's workerd processes (and of
// the whole wrangler tree) before and after each load run, divided by the requests answered.
//
//   node bench/throughput.mjs --fixture build/bench/fixture.json [--reps 3] [--duration 10]
//        [--connections 16] [--out results.json]
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { API_KEY, makeKeys, readSeed, signFor, tokenClaims, varsFor } from "./lib/fixture.mjs";
import { root, work } from "./lib/paths.mjs";
import { configs, cpuSeconds, snapshotProduct, startWrangler } from "./lib/workers.mjs";
import { profileIsolate } from "./lib/inspector.mjs";
import { summarizeIsolate } from "./lib/isolate_profile.mjs";

const run = promisify(execFile);

export const SCENARIOS = [
  { id: "empty", worker: "empty", mode: "replay", label: "(a) empty worker, constant JSON" },
  { id: "replay", worker: "product", mode: "replay", label: "(b) KV-answered 200 (replayed create)" },
  { id: "replay", worker: "baseline", mode: "replay", label: "(b) KV-answered 200 (replayed create)" },
  { id: "create", worker: "product", mode: "create", label: "(c) 201 create (API key)" },
  { id: "create", worker: "product_kv", mode: "create", label: "(c) 201 create (API key), KV alone: no ACCOUNT_STORE" },
  { id: "create", worker: "baseline", mode: "create", label: "(c) 201 create (API key)" },
  // The same pair with LOG_LEVEL=warn (no line per request in either): what logging costs here.
  { id: "replay_quiet", worker: "product_quiet", mode: "replay", label: "(b) replay, LOG_LEVEL=warn (no log line)" },
  { id: "replay_quiet", worker: "baseline_quiet", mode: "replay", label: "(b) replay, LOG_LEVEL=warn (no log line)" },
  { id: "create_quiet", worker: "product_quiet", mode: "create", label: "(c) create, LOG_LEVEL=warn (no log line)" },
  { id: "create_quiet", worker: "baseline_quiet", mode: "create", label: "(c) create, LOG_LEVEL=warn (no log line)" },
  { id: "jwt_rs256", worker: "product", mode: "jwt", label: "(d) 201 create, first-seen RS256 JWT" },
  { id: "jwt_rs256", worker: "baseline", mode: "jwt", label: "(d) 201 create, first-seen RS256 JWT" },
  // Diagnostics (bench/diag-worker): the empty answer plus one log line, plus one KV read.
  { id: "diag_body", worker: "diag", mode: "replay", variant: "body", label: "diagnostic: constant JSON after reading the request body" },
  { id: "diag_log", worker: "diag", mode: "replay", variant: "log", label: "diagnostic: constant JSON + one log line" },
  { id: "diag_kv1", worker: "diag", mode: "replay", variant: "kv1", label: "diagnostic: constant JSON + one KV read + one log line" },
  { id: "diag_miss1", worker: "diag", mode: "replay", variant: "miss1", label: "diagnostic: constant JSON + one KV read of an absent key + one log line" },
  { id: "diag_put1", worker: "diag", mode: "replay", variant: "put1", label: "diagnostic: constant JSON + one KV write of a new key + one log line" },
  // The product's exchange inside workerd: n exchanges per request, effects from memory (see
  // bench/diag-worker); per exchange = (row - core_none) / n, per repetition.
  { id: "core_none", worker: "diag", mode: "batch", variant: "core:none:0", diag: true, label: "in workerd: the core loaded, no exchange (reference)" },
  { id: "core_apikey_create", worker: "diag", mode: "batch", variant: "core:apikey_create:100", diag: true, label: "in workerd: API-key create" },
  { id: "core_apikey_replay", worker: "diag", mode: "batch", variant: "core:apikey_replay:100", diag: true, label: "in workerd: API-key replay" },
  { id: "core_jwt_rs256", worker: "diag", mode: "batch", variant: "core:jwt_create:30", tokens: "RS256", diag: true, label: "in workerd: first-seen RS256 JWT create (WebCrypto verify)" },
  { id: "core_jwt_es256", worker: "diag", mode: "batch", variant: "core:jwt_create:30", tokens: "ES256", diag: true, label: "in workerd: first-seen ES256 JWT create (WebCrypto verify)" },
  { id: "core_jwt_repeat", worker: "diag", mode: "batch", variant: "core:jwt_create:100", tokens: "repeat", diag: true, label: "in workerd: repeated JWT create (verified-token cache)" },
  { id: "core_reject_422", worker: "diag", mode: "batch", variant: "core:reject_422:100", diag: true, label: "in workerd: 422 refusal (step 3)" },
  { id: "core_reject_401", worker: "diag", mode: "batch", variant: "core:reject_401:100", diag: true, label: "in workerd: 401 malformed credential (step 2)" },
];
export const exchangesOf = (s) => Number(/:(\d+)$/.exec(s.variant ?? "")?.[1] ?? 0);

// First-seen tokens for the in-workerd rows, cycled in order across runs: more tokens than the
// verified-token cache holds (10 000) between two uses of one token, so every use is a miss.
class TokenPool {
  constructor(alg, keys, size) {
    const now = Date.now();
    this.tokens = Array.from({ length: size }, (_, i) => signFor(alg, keys, tokenClaims(now, i, `pool${alg}`)));
    this.cursor = 0;
  }
  file(path) {
    const n = this.tokens.length;
    writeFileSync(path, Array.from({ length: n }, (_, i) => this.tokens[(this.cursor + i) % n]).join("\n") + "\n");
  }
  advance(used) { this.cursor = (this.cursor + used) % this.tokens.length; }
}


// CPU seconds so far of the worker's processes, by role (lib/workers.mjs) and in total.
function cpuOf(worker) {
  const out = { worker: 0, proxy: 0, wrangler: 0, other: 0, total: 0 };
  for (const p of worker.processes()) {
    const s = cpuSeconds(p.pid);
    out[p.role] += s;
    out.total += s;
  }
  out.workerd = out.worker + out.proxy;
  return out;
}

const perRequest = (before, after, n) => Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k] - before[k]) / n) * 1e6]));

async function wrk(url, { mode, runId, tokenFile = "", variant = "", duration, connections }) {
  const args = ["-t1", `-c${connections}`, `-d${duration}s`, "--timeout", "10s", "-s", join(root, "bench", "wrk", "membership.lua"), url, "--", mode, runId, API_KEY, tokenFile, variant];
  const { stdout } = await run("wrk", args, { maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  return JSON.parse(line);
}

export async function measureThroughput({ reps = 3, duration = 10, connections = 16, warmup = 3, snapshot = null, profile = true, log = console.error } = {}) {
  mkdirSync(work, { recursive: true });
  const keys = makeKeys();
  const vars = varsFor(keys);
  const seed = readSeed();
  const product = snapshot ?? snapshotProduct();
  const workers = {};
  try {
    const quiet = { ...vars, LOG_LEVEL: "warn" };
    for (const [name, config, v] of [["empty", configs.empty, vars], ["baseline", configs.baseline, vars], ["product", product.config, vars],
      ["product_kv", product.kvConfig, vars], ["product_quiet", product.config, quiet], ["baseline_quiet", configs.baseline, quiet], ["diag", configs.diag, vars]]) {
      workers[name] = await startWrangler({ config, vars: v, seed });
      log(`started ${name} worker at ${workers[name].url}: ${workers[name].processes().map((p) => `${p.name}:${p.pid}`).join(" ")}`);
    }
    // Enough first-seen tokens for a run at a generous rate; a wrap-around is reported.
    const tokensPerRun = Math.max(3000, Math.ceil(duration * 600));
    let tokenRun = 0;
    const tokenFileFor = () => {
      const file = join(work, `tokens-${tokenRun}.txt`);
      const lines = [];
      for (let i = 0; i < tokensPerRun; i++) lines.push(signFor("RS256", keys, tokenClaims(Date.now(), i, `load${tokenRun}`)));
      tokenRun++;
      writeFileSync(file, lines.join("\n") + "\n");
      return file;
    };

    const pools = { RS256: new TokenPool("RS256", keys, 12000), ES256: new TokenPool("ES256", keys, 12000) };
    const repeatFile = join(work, "tokens-repeat.txt");
    writeFileSync(repeatFile, signFor("RS256", keys, tokenClaims(Date.now(), 0, "repeat")) + "\n");
    log("signed the token pools of the in-workerd rows");
    const results = [];
    for (let rep = 0; rep < reps + (warmup > 0 ? 1 : 0); rep++) {
      const isWarmup = warmup > 0 && rep === 0;
      for (const s of SCENARIOS) {
        const w = workers[s.worker];
        let tokenFile = s.mode === "jwt" ? tokenFileFor() : "";
        if (s.tokens === "repeat") tokenFile = repeatFile;
        else if (s.tokens) { tokenFile = join(work, `tokens-${s.tokens}.txt`); pools[s.tokens].file(tokenFile); }
        // The in-workerd rows need CPU figures, not throughput: shorter runs, two connections.
        const rowDuration = isWarmup ? warmup : s.diag ? Math.min(duration, 5) : duration;
        const runId = `r${rep}${s.worker[0]}${Date.now().toString(36)}`;
        w.resetLogs();
        const load1 = loadavg()[0];
        const before = cpuOf(w);
        const t0 = process.hrtime.bigint();
        const out = await wrk(w.url, { mode: s.mode, runId, tokenFile, variant: s.variant, duration: rowDuration, connections: s.diag ? 2 : connections });
        if (s.tokens && s.tokens !== "repeat") pools[s.tokens].advance(out.requests * exchangesOf(s));
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        await new Promise((r) => setTimeout(r, 300)); // let the last log lines and background writes land
        const after = cpuOf(w);
        if (isWarmup) { log(`warm-up ${s.worker} ${s.id}: ${out.requests} requests`); continue; }
        const seconds = out.duration_us / 1e6;
        const r = {
          rep, scenario: s.id, worker: s.worker, label: s.label, exchanges: exchangesOf(s),
          requests: out.requests, rps: out.requests / seconds,
          latency_ms: { p50: out.latency_us.p50 / 1000, p90: out.latency_us.p90 / 1000, p99: out.latency_us.p99 / 1000, max: out.latency_us.max / 1000 },
          statuses: out.statuses, errors: out.errors,
          cpu_us_per_request: perRequest(before, after, out.requests),
          cpu_utilization: { workerd: (after.workerd - before.workerd) / wall, total: (after.total - before.total) / wall },
          logged: { requests: w.logs.requests, kv_calls_per_request: w.logs.requests ? w.logs.kvCalls / w.logs.requests : 0, rounds_per_request: w.logs.requests ? w.logs.rounds / w.logs.requests : 0, by_status: w.logs.byStatus },
          tokens_reused: s.mode === "jwt" ? Math.max(0, out.requests - tokensPerRun) : 0,
          loadavg_before: load1, loadavg_after: loadavg()[0],
        };
        results.push(r);
        log(`rep ${rep} ${s.worker.padEnd(8)} ${s.id.padEnd(9)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.latency_ms.p50.toFixed(2)} ms  p99 ${r.latency_ms.p99.toFixed(2)} ms  ` +
          `CPU µs/req: worker ${r.cpu_us_per_request.worker.toFixed(0)} proxy ${r.cpu_us_per_request.proxy.toFixed(0)} wrangler ${r.cpu_us_per_request.wrangler.toFixed(0)}  kv ${r.logged.kv_calls_per_request.toFixed(2)}/req  ${JSON.stringify(out.statuses)}`);
      }
    }
    for (const w of Object.values(workers)) await w.stop();
    for (const k of Object.keys(workers)) delete workers[k];
    // V8 CPU profiles of the isolates (through wrangler's inspector proxy), after the measured runs,
    // one worker at a time on a fresh `wrangler dev` (the others stopped): where each isolate's time
    // goes. The profiler samples wall time on the isolate's thread (a sample taken while the thread
    // waits for a core counts too), so the report uses shares, and the figures come from the
    // differences above.
    const profiles = {};
    if (profile) {
      for (const [name, config] of [["empty", configs.empty], ["product", product.config], ["baseline", configs.baseline]]) {
        const w = await startWrangler({ config, vars, seed });
        workers[name] = w;
        try {
          for (const s of SCENARIOS.filter((x) => x.worker === name)) {
            const runOnce = () => wrk(w.url, { mode: s.mode, runId: `p${name[0]}${Date.now().toString(36)}`, tokenFile: s.mode === "jwt" ? tokenFileFor() : "", duration: Math.min(duration, 5), connections });
            try {
              await runOnce(); // warm-up
              const got = await profileIsolate(w.inspectorPort, runOnce, { interval: 500, bundleRoot: dirname(config) });
              writeFileSync(join(work, `isolate-${name}-${s.id}.cpuprofile`), JSON.stringify(got.profile));
              profiles[`${name}/${s.id}`] = summarizeIsolate(got, got.load.requests);
              log(`profiled ${name} ${s.id}: ${got.load.requests} requests`);
            } catch (err) {
              profiles[`${name}/${s.id}`] = { error: String(err.message ?? err) };
              log(`profile of ${name} ${s.id} failed: ${err.message}`);
            }
          }
        } finally {
          await w.stop();
          delete workers[name];
        }
      }
    }
    return { reps, duration_s: duration, connections, threads: 1, tokens_per_run: tokensPerRun, results, profiles };
  } finally {
    for (const w of Object.values(workers)) await w.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: {
    reps: { type: "string", default: "3" }, duration: { type: "string", default: "10" }, connections: { type: "string", default: "16" },
    warmup: { type: "string", default: "3" }, out: { type: "string" },
  } });
  const res = await measureThroughput({ reps: Number(values.reps), duration: Number(values.duration), connections: Number(values.connections), warmup: Number(values.warmup) });
  const text = JSON.stringify(res, null, 1);
  if (values.out) writeFileSync(values.out, text);
  else console.log(text);
}
