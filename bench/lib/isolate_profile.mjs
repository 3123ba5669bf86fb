// Summarises a V8 CPU profile of a worker's isolate taken under load (lib/inspector.mjs): where
// the isolate's busy time goes, in µs per request, by part. JS frames are attributed to the module
// they came from in the bundle wrangler built (esbuild starts every module with a `// path` line).
import { origin } from "./origin.mjs";

export const PART = {
  wasm: "wasm (the core)",
  glue: "product JS (host-shims/workers)",
  libs: "libraries (hono, zod, jose)",
  worker: "worker JS (the rest of the bundle)",
  wrangler: "wrangler's injected JS (middleware, facades)",
  program: "(program): workerd and V8 native work outside JS",
  gc: "(garbage collector)",
  builtin: "runtime builtins called from JS (KV, Response, console, crypto, JSON)",
};

// Module start lines of a bundle: [{ line, path }], ascending.
function moduleMarks(source) {
  const marks = [];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((?:\.\.\/)*[\w@./+-]+\.(?:m?js|ts|cjs))$/.exec(lines[i]);
    if (m) marks.push({ line: i, path: m[1] });
  }
  return marks;
}

function moduleAt(marks, line) {
  let lo = 0, hi = marks.length - 1, found = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid].line <= line) { found = marks[mid]; lo = mid + 1; } else hi = mid - 1;
  }
  return found?.path ?? "";
}

function partOf(frame, marksByScript) {
  const { functionName: name, url, scriptId, lineNumber } = frame;
  if (name === "(program)") return PART.program;
  if (name === "(garbage collector)") return PART.gc;
  if (url?.startsWith("wasm://") || /^(js-to-wasm|wasm-to-js)/.test(name) || (!url && origin(name) !== "other")) return PART.wasm;
  if (!url) return PART.builtin;
  const marks = marksByScript.get(scriptId);
  const path = marks ? moduleAt(marks, lineNumber) : "";
  if (/host-shims\/workers\//.test(path)) return PART.glue;
  if (/node_modules\/(hono|zod|jose)\//.test(path)) return PART.libs;
  if (/node_modules\/(wrangler|miniflare)\//.test(path)) return PART.wrangler;
  return PART.worker;
}

// { busy_us, idle_us, per_request: { part: µs }, top: [{ name, part, us_per_request }] }
export function summarizeIsolate({ profile, scripts }, requests, top = 12) {
  const marksByScript = new Map(Object.entries(scripts).map(([id, s]) => [id, moduleMarks(s.source)]));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let idle = 0, busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const d = profile.timeDeltas[i + 1] ?? 0;
    const name = node.callFrame.functionName;
    if (name === "(idle)" || name === "(root)") { idle += d; continue; }
    busy += d;
    const key = node.id;
    self.set(key, (self.get(key) ?? 0) + d);
  }
  const parts = Object.fromEntries(Object.values(PART).map((p) => [p, 0]));
  const fns = new Map();
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const part = partOf(frame, marksByScript);
    parts[part] += us;
    const fname = `${frame.functionName || "(anonymous)"}`;
    const k = `${part}\u0000${fname}`;
    fns.set(k, (fns.get(k) ?? 0) + us);
  }
  const n = Math.max(1, requests);
  return {
    requests,
    busy_us_per_request: busy / n,
    idle_share: idle / Math.max(1, idle + busy),
    per_request: Object.fromEntries(Object.entries(parts).map(([p, us]) => [p, us / n])),
    top: [...fns.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([k, us]) => { const [part, name] = k.split("\u0000"); return { name: name.length > 90 ? name.slice(0, 89) + "…" : name, part, us_per_request: us / n }; }),
  };
}
