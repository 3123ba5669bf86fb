#!/usr/bin/env node
// What else is running: every few seconds, the processes outside the benchmark's own process tree
// that used more than 10 % of a core since the last sample, appended as JSON lines to a file.
//   node bench/lib/sampler.mjs <root pid (the benchmark)> <out file> [interval ms]
import { appendFileSync, readdirSync, readFileSync } from "node:fs";

const [rootPid, out, intervalArg] = process.argv.slice(2);
const interval = Number(intervalArg ?? 5000);
const TICKS = 100;

function snapshot() {
  const procs = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.set(Number(d), { comm, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS });
    } catch {}
  }
  return procs;
}

function ours(procs, pid) {
  for (let p = pid, n = 0; p > 1 && n < 64; n++) {
    if (p === Number(rootPid) || p === process.pid) return true;
    p = procs.get(p)?.ppid ?? 0;
  }
  return false;
}

let last = snapshot();
let lastT = Date.now();
setInterval(() => {
  const now = snapshot();
  const t = Date.now();
  const busy = [];
  for (const [pid, p] of now) {
    const before = last.get(pid);
    const used = (p.cpu - (before?.cpu ?? p.cpu)) / ((t - lastT) / 1000);
    if (used > 0.1 && !ours(now, pid)) busy.push({ pid, comm: p.comm, cpu: Number(used.toFixed(2)) });
  }
  appendFileSync(out, JSON.stringify({ t: new Date(t).toISOString(), busy }) + "\n");
  last = now;
  lastT = t;
}, interval);
