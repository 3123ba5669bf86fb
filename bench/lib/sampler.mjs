#!/usr/bin/env node
// What else is running: every few seconds, appended as a JSON line to a file, the CPU (in cores)
// used since the last sample by the whole machine (/proc/stat), by the benchmark's own process
// tree (live processes, plus what finished children left in the root's cutime/cstime), the rest
// ("other"), and the processes outside the tree that used more than 10 % of a core.
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
      procs.set(Number(d), { comm, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS, children: (Number(f[13]) + Number(f[14])) / TICKS });
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

// CPU seconds the machine was busy (steal excluded: that is the hypervisor's other guests) and stolen.
function machineBusy() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) / TICKS;
}
function machineSteal() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return f[7] / TICKS;
}

// CPU seconds of the benchmark's tree: live members, plus the reaped children of each live member.
function oursCpu(procs) {
  let sum = 0;
  for (const [pid, p] of procs) if (ours(procs, pid)) sum += p.cpu + p.children;
  return sum;
}

let last = snapshot();
let lastT = Date.now();
let lastBusy = machineBusy();
let lastSteal = machineSteal();
let lastOurs = oursCpu(last);
setInterval(() => {
  const now = snapshot();
  const t = Date.now();
  const busy = [];
  for (const [pid, p] of now) {
    const before = last.get(pid);
    const used = (p.cpu - (before?.cpu ?? 0)) / ((t - lastT) / 1000); // a new process: all of its CPU is recent
    if (used > 0.1 && !ours(now, pid)) busy.push({ pid, comm: p.comm, cpu: Number(used.toFixed(2)) });
  }
  const dt = (t - lastT) / 1000;
  const machine = machineBusy();
  const mine = oursCpu(now);
  const total = (machine - lastBusy) / dt;
  const steal = machineSteal();
  const benchmark = Math.max(0, (mine - lastOurs) / dt);
  appendFileSync(out, JSON.stringify({ t: new Date(t).toISOString(), total_cores: Number(total.toFixed(2)), benchmark_cores: Number(benchmark.toFixed(2)),
    other_cores: Number(Math.max(0, total - benchmark).toFixed(2)), steal_cores: Number(((steal - lastSteal) / dt).toFixed(2)), busy }) + "\n");
  last = now;
  lastT = t;
  lastBusy = machine;
  lastOurs = mine;
  lastSteal = steal;
}, interval);
