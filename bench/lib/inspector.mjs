// A minimal DevTools-protocol client for the isolate `wrangler dev` exposes on --inspector-port
// (wrangler's inspector proxy, ws://127.0.0.1:<port>/ws): V8 CPU profiles of the worker's isolate
// under load (Profiler.start/stop), and the isolate's heap/GC counters. Uses the `ws` package
// that wrangler itself depends on (node_modules/ws).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

// wrangler's inspector proxy sometimes lets a connection wait while its workers are busy: retried.
export async function connectInspector(port, { timeoutMs = 15000, attempts = 3 } = {}) {
  for (let i = 1; ; i++) {
    try {
      return await connectOnce(port, { timeoutMs });
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 2000 * i));
    }
  }
}

async function connectOnce(port, { timeoutMs }) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(timeoutMs) })).json();
  const target = list.find((t) => t.webSocketDebuggerUrl) ?? { webSocketDebuggerUrl: `ws://127.0.0.1:${port}/ws` };
  const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("inspector: no connection")), timeoutMs);
    ws.once("open", () => { clearTimeout(t); resolve(); });
    ws.once("error", (e) => { clearTimeout(t); reject(e); });
  });
  let next = 1;
  const pending = new Map();
  const listeners = new Map();
  ws.on("message", (data) => {
    let msg;
    try { msg = JSON.parse(String(data)); } catch { return; }
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else resolve(msg.result);
    } else if (msg.method) {
      for (const fn of listeners.get(msg.method) ?? []) fn(msg.params);
    }
  });
  return {
    send(method, params = {}, ms = 60000) {
      const id = next++;
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { pending.delete(id); reject(new Error(`inspector: ${method} timed out`)); }, ms);
        pending.set(id, { resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    on(method, fn) { (listeners.get(method) ?? listeners.set(method, []).get(method)).push(fn); },
    close() { ws.close(); },
  };
}

// A V8 CPU profile of the worker's isolate while `load()` runs (sampling every `interval` µs), and
// the source of every script its JS frames point to, read from the bundle wrangler wrote to disk
// (esbuild marks each module's start), so that frames can be attributed to their module. The
// Debugger domain is never enabled: it would switch the isolate's wasm to debugging code.
// bundleRoot: the directory of the worker's wrangler.toml (wrangler bundles into .wrangler/tmp/dev-*/
// there, and the profile names the bundle by its file name only).
export async function profileIsolate(port, load, { interval = 1000, bundleRoot = null } = {}) {
  const ins = await connectInspector(port);
  try {
    // wrangler's inspector proxy enables the Runtime domain for every client it lets in: every
    // console.log would then be captured (stack trace, arguments) and sent to this session too,
    // which more than doubles what a log line costs the isolate. The profile must not see that.
    await ins.send("Runtime.disable");
    await ins.send("Profiler.enable");
    await ins.send("Profiler.setSamplingInterval", { interval });
    await ins.send("Profiler.start");
    let loadResult;
    try { loadResult = await load(); } finally { var { profile } = await ins.send("Profiler.stop"); }
    await ins.send("Profiler.disable");
    const scripts = {};
    for (const n of profile.nodes) {
      const { scriptId, url } = n.callFrame;
      if (!scriptId || scriptId === "0" || scripts[scriptId] || !url || /^(wasm|node-internal|cloudflare-internal):/.test(url)) continue;
      const path = url.startsWith("file://") ? fileURLToPath(url) : bundleFile(bundleRoot, url);
      try { if (path) scripts[scriptId] = { url, source: readFileSync(path, "utf8") }; } catch {}
    }
    return { profile, scripts, load: loadResult };
  } finally {
    ins.close();
  }
}

// The newest .wrangler/tmp/dev-*/<name> under root.
function bundleFile(root, name) {
  if (!root) return null;
  const tmp = join(root, ".wrangler", "tmp");
  let best = null, bestTime = 0;
  try {
    for (const d of readdirSync(tmp)) {
      const f = join(tmp, d, name);
      try { const t = statSync(f).mtimeMs; if (t > bestTime) { best = f; bestTime = t; } } catch {}
    }
  } catch {}
  return best;
}
