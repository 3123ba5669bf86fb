// The JS side of wasm/abi.h: instantiating the module, moving strings in and out of linear
// memory, and the step/resume calls. Used by the worker, and by the Node tests and benchmarks.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The one JS mirror of the core's envelope (src/envelope.cpp), for when the module itself failed.
export const internalErrorBody =
  '{"message":"Internal error.","success":false,"error":{"code":50001,"message":"Internal error.","details":{}}}';

// Worker vars and secrets as the core's configuration (strings only; bindings are not vars).
export function varsFrom(env) {
  const vars = {};
  for (const [k, v] of Object.entries(env ?? {})) {
    if (typeof v === "string") vars[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") vars[k] = String(v);
  }
  if (env?.RATE_LIMITER && typeof env.RATE_LIMITER.limit === "function")
    vars.HOST_RATE_LIMITER_PERIOD = String(env.RATE_LIMIT_PERIOD_SECONDS ?? "60");
  return vars;
}

// crypto.getRandomValues per request is measurable (docs/benchmarks.md): draw from a pool instead.
function pooledRandom(poolSize = 4096) {
  let pool = new Uint8Array(0);
  let at = 0;
  return (n) => {
    if (at + n > pool.length) { pool = crypto.getRandomValues(new Uint8Array(poolSize)); at = 0; }
    const out = pool.subarray(at, at + n);
    at += n;
    return out;
  };
}

export class WasmCore {
  constructor(module, env, { log = (line) => console.error(line), now = () => Date.now(), random } = {}) {
    this.poisoned = false;
    this.now = now;
    this.random = random ?? pooledRandom();
    let pending = "";
    const self = this;
    // The WASI imports the module lists (wasm/abi.h): stdio only, for abort messages.
    const wasi = {
      fd_write(fd, iovs, iovsLen, nwrittenPtr) {
        const view = new DataView(self.exports.memory.buffer);
        let written = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = view.getUint32(iovs + i * 8, true);
          const len = view.getUint32(iovs + i * 8 + 4, true);
          pending += decoder.decode(new Uint8Array(self.exports.memory.buffer, ptr, len));
          written += len;
        }
        view.setUint32(nwrittenPtr, written, true);
        let nl;
        while ((nl = pending.indexOf("\n")) >= 0) { log(pending.slice(0, nl)); pending = pending.slice(nl + 1); }
        return 0;
      },
      fd_seek() { return 70; /* ESPIPE: stdio is not seekable */ },
      fd_close() { return 0; },
      proc_exit(code) { throw new WebAssembly.RuntimeError(`proc_exit(${code})`); },
    };
    this.instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
    this.exports = this.instance.exports;
    this.exports._initialize();
    this.configured = false;
    this.configError = false;
    if (env) this.configure(env);
  }

  configure(env) {
    const ok = this.call((p, n) => this.exports.mb_configure(p, n), encoder.encode(JSON.stringify(varsFrom(env))));
    this.configured = true;
    this.configError = ok !== 0;
    return ok === 0;
  }

  maxBodyBytes() { return this.exports.mb_max_body_bytes(); }

  // Copies bytes into linear memory for the duration of fn(ptr, len).
  call(fn, bytes) {
    const ptr = this.exports.mb_alloc(bytes.length);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    try { return fn(ptr, bytes.length); } finally { this.exports.mb_free(ptr); }
  }

  begin(meta, body) {
    const x = this.exports;
    const metaBytes = encoder.encode(JSON.stringify(meta));
    const random = this.random(64);
    const handle = this.call((mp, ml) =>
      this.call((bp, bl) =>
        this.call((rp, rl) => x.mb_begin(mp, ml, bp, bl, this.now(), rp, rl), random), body ?? new Uint8Array(0)), metaBytes);
    if (handle === 0) throw new Error("mb_begin refused the request metadata");
    return new Exchange(this, handle);
  }
}

class Exchange {
  constructor(core, handle) { this.core = core; this.handle = handle; }
  // The step; a final one carries its body as bytes (bodyBytes) and, on demand, as text (body).
  step() {
    const x = this.core.exports;
    const ptr = x.mb_step_ptr(this.handle);
    const len = x.mb_step_len(this.handle);
    const step = JSON.parse(decoder.decode(new Uint8Array(x.memory.buffer, ptr, len)));
    if (step.done) {
      const bytes = new Uint8Array(x.memory.buffer, x.mb_body_ptr(this.handle), x.mb_body_len(this.handle)).slice();
      step.bodyBytes = bytes;
      Object.defineProperty(step, "body", { get: () => decoder.decode(bytes), enumerable: false });
    }
    return step;
  }
  resume(outcomes) {
    const bytes = encoder.encode(JSON.stringify(outcomes));
    this.core.call((p, n) => this.core.exports.mb_resume(this.handle, p, n, this.core.now()), bytes);
    return this.step();
  }
  end() {
    if (!this.core.poisoned) this.core.exports.mb_end(this.handle);
  }
}
