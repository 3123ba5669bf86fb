// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, and per category
// (wasm core, BearSSL, JSON glue in JS, GC, ...), for the "where does the time go" notes.
import { readFileSync } from "node:fs";
import { origin } from "./origin.mjs";

// Categories: wasm functions by origin (lib/origin.mjs); JS by what it is.
export const CATEGORY = {
  bearssl: "wasm: BearSSL",
  json: "wasm: nlohmann::json",
  libcxx: "wasm: libc++",
  libc: "wasm: wasi-libc (malloc, mem*, printf)",
  core: "wasm: core (src/, wasm/)",
  glue: "JS: ABI glue (core.mjs)",
  random: "JS: crypto.getRandomValues (Node)",
  builtins: "JS: JSON / TextEncoder / TextDecoder builtins",
  gc: "GC",
  other: "JS: benchmark loop and other",
};

export function category(name, url) {
  if (url?.startsWith("wasm://") || /\.wasm/.test(url ?? "") || /^js-to-wasm|^wasm-to-js/.test(name)) {
    if (/^js-to-wasm|^wasm-to-js/.test(name)) return CATEGORY.glue;
    const o = origin(name);
    if (o === "BearSSL") return CATEGORY.bearssl;
    if (o === "nlohmann::json") return CATEGORY.json;
    if (o === "libc++ / libc++abi") return CATEGORY.libcxx;
    if (o === "wasi-libc") return CATEGORY.libc;
    return CATEGORY.core;
  }
  if (name === "(garbage collector)") return CATEGORY.gc;
  if (/core\.mjs$/.test(url ?? "")) return CATEGORY.glue;
  if (/^(randomFillSync|RandomBytesJob|getRandomValues|run|assertOffset)$/.test(name) && !/bench/.test(url ?? "")) return CATEGORY.random;
  if (/^(encode|decode|encodeInto|stringify|parse|JSON\.\w+)$/.test(name) || /encoding/.test(url ?? "")) return CATEGORY.builtins;
  return CATEGORY.other;
}

// C++ names without template arguments and the json_abi namespace noise.
export function shortName(name) {
  let out = "";
  let depth = 0;
  for (const ch of name.replaceAll("json_abi_v3_11_2::", "").replaceAll("std::__2::", "std::")) {
    if (ch === "<") { if (depth++ === 0) out += "<…>"; continue; }
    if (ch === ">") { depth = Math.max(0, depth - 1); continue; }
    if (depth === 0) out += ch;
  }
  return out.length > 140 ? out.slice(0, 140) + "…" : out;
}

export function summarize(path, top = 15) {
  const prof = JSON.parse(readFileSync(path, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]);
    const d = dt[i + 1] ?? 0;
    const key = `${node.callFrame.functionName || "(anonymous)"}\u0000${node.callFrame.url}`;
    self.set(key, (self.get(key) ?? 0) + d);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  // Inclusive time of chosen entry points (each sample counted once per function on its stack).
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const seen = new Set();
    for (let id = prof.samples[i]; id !== undefined; id = parent.get(id)) {
      const name = byId.get(id).callFrame.functionName;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + (dt[i + 1] ?? 0));
    }
  }
  const entries = [...inclusive.entries()].filter(([n]) => /^(mb_\w+|begin|step|resume|end|runOne|perform|call|configure|stringify|parse)$/.test(n))
    .map(([name, us]) => ({ name, share: us / total })).sort((a, b) => b.share - a.share);
  const functions = [...self.entries()]
    .map(([k, us]) => { const [name, url] = k.split("\u0000"); return { name: shortName(name), url, us, share: us / total, category: category(name, url) }; })
    .sort((a, b) => b.us - a.us);
  const cats = new Map();
  for (const f of functions) cats.set(f.category, (cats.get(f.category) ?? 0) + f.us);
  const categories = [...cats.entries()].map(([name, us]) => ({ name, share: us / total })).sort((a, b) => b.share - a.share);
  return { total_ms: total / 1000, functions: functions.slice(0, top), categories, entries };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = summarize(process.argv[2], Number(process.argv[3] ?? 25));
  for (const c of s.categories) console.log(`${(c.share * 100).toFixed(1).padStart(5)}%  ${c.name}`);
  console.log("");
  for (const e of s.entries) console.log(`${(e.share * 100).toFixed(1).padStart(5)}%  incl. ${e.name}`);
  console.log("");
  for (const f of s.functions) console.log(`${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}  ${f.url.split("/").pop()}`);
}
