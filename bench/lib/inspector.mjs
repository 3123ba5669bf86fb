// A minimal DevTools-protocol client for the isolate `wrangler dev` exposes on --inspector-port
// (wrangler's inspector proxy, ws://127.0.0.1:<port>/ws): V8 CPU profiles of the worker's isolate
// under load (Profiler.start/stop), and the isolate's heap/GC counters. Uses the `ws` package
// that wrangler itself depends on (node_modules/ws).
import WebSocket from "ws";

export async function connectInspector(port, { timeoutMs = 10000 } = {}) {
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
// the source of every script the profile's JS frames point to (the bundle wrangler built), so that
// frames can be attributed to the module they came from (esbuild marks each module's start).
export async function profileIsolate(port, load, { interval = 1000 } = {}) {
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
    const wanted = new Set(profile.nodes.map((n) => n.callFrame.scriptId).filter((id) => id && id !== "0"));
    const scripts = {};
    const parsed = [];
    ins.on("Debugger.scriptParsed", (p) => parsed.push(p));
    await ins.send("Debugger.enable");
    await new Promise((r) => setTimeout(r, 500));
    for (const p of parsed) {
      if (!wanted.has(p.scriptId) || p.url.startsWith("wasm://")) continue;
      try { scripts[p.scriptId] = { url: p.url, source: (await ins.send("Debugger.getScriptSource", { scriptId: p.scriptId })).scriptSource }; } catch {}
    }
    await ins.send("Debugger.disable");
    return { profile, scripts, load: loadResult };
  } finally {
    ins.close();
  }
}
