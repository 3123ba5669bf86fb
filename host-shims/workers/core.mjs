// The JS side of wasm/abi.h: instantiating the module, moving strings in and out of linear
// memory, the step/resume calls, and the driver loop (WasmCore.drive). Used by the worker, and by
// the Node tests and benchmarks.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The one JS mirror of the core's envelope (src/envelope.cpp), for when the module itself failed.
export const internalErrorBody =
  '{"message":"Internal error.","success":false,"error":{"code":50001,"message":"Internal error.","details":{}}}';

// Worker vars and secrets as the core's configuration (strings only; bindings are not vars).
export function varsFrom(env, { webCrypto = false } = {}) {
  const vars = {};
  for (const [k, v] of Object.entries(env ?? {})) {
    if (typeof v === "string") vars[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") vars[k] = String(v);
  }
  delete vars.HOST_WEBCRYPTO; // the host's own facts below, never an operator's setting
  delete vars.HOST_RATE_LIMITER_PERIOD;
  if (env?.RATE_LIMITER && typeof env.RATE_LIMITER.limit === "function")
    vars.HOST_RATE_LIMITER_PERIOD = String(env.RATE_LIMIT_PERIOD_SECONDS ?? "60");
  // The test fault rate_limit:throw (FAULTS) stands for a bound limiter that fails, bound or not.
  else if (
    env?.ALLOW_FAULT_INJECTION === "true" &&
    String(env.FAULTS ?? "")
      .split(",")
      .some((f) => f.trim() === "rate_limit:throw")
  )
    vars.HOST_RATE_LIMITER_PERIOD = String(env.RATE_LIMIT_PERIOD_SECONDS ?? "60");
  if (webCrypto && env?.SIGNATURES !== "bearssl") vars.HOST_WEBCRYPTO = "1";
  delete vars.HOST_WRITE_AUTHORITY;
  if (env?.ACCOUNT_STORE && typeof env.ACCOUNT_STORE.idFromName === "function") vars.HOST_WRITE_AUTHORITY = "1";
  return vars;
}

// The id of an answer a host makes itself (a trap, the core past its round bound), by the rule of
// every answer (docs/api.md, the core's request_id_for): X-Request-Id, else CF-Ray, when sane;
// else "req_" and 24 base62 characters of the host's randomness (random(n) gives n bytes).
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export function requestIdFor(headers, random) {
  for (const wanted of ["x-request-id", "cf-ray"]) {
    const pair = (headers ?? []).find(([name]) => name.toLowerCase() === wanted);
    const id = pair?.[1].replace(/^[ \t]+|[ \t]+$/g, "");
    if (id && SANE_REQUEST_ID.test(id)) return id;
  }
  let id = "req_";
  while (id.length < 28) for (const b of random(32)) if (b < 248 && id.length < 28) id += BASE62[b % 62]; // 248 = 4 * 62: no bias
  return id;
}

// What a log line counts as a KV call (host-shims/common/drive.h is_kv_call): every kind that goes
// to the store.
export const isKvCall = (effect) => effect.op.startsWith("kv_");

// An effect as one line of an effect trace (the twin of effect_line in host-shims/common/wire.h):
// what it asks of which store or URL, never a value, header or key material.
export function effectLine(e) {
  if (e.op.startsWith("kv_")) return `${e.op} ${e.store} ${e.key}`;
  if (e.op === "fetch") return `fetch ${e.method} ${e.url}`;
  if (e.op === "verify_signature" || e.op === "sign") return `${e.op} ${e.alg}`;
  return `${e.op} ${e.key ?? ""}`;
}

// Why an effect failed, as the core's Failure enum (src/effects.h) numbers it.
export const Failure = Object.freeze({ none: 0, timeout: 1, refused: 2, failed: 3, missing: 4 });

// crypto.getRandomValues per request is measurable (docs/benchmarks.md): draw from a pool instead.
function pooledRandom(poolSize = 4096) {
  let pool = new Uint8Array(0);
  let at = 0;
  return (n) => {
    if (at + n > pool.length) {
      pool = crypto.getRandomValues(new Uint8Array(poolSize));
      at = 0;
    }
    const out = pool.subarray(at, at + n);
    at += n;
    return out;
  };
}

export class WasmCore {
  // webCrypto: this host performs verify_signature and sign effects; off for Node tests of the ABI.
  constructor(module, env, { now = () => Date.now(), random, webCrypto = false } = {}) {
    this.webCrypto = webCrypto;
    this.poisoned = false;
    this.now = now;
    this.random = random ?? pooledRandom();
    // The module imports nothing (wasm/abi.h): no stdio, its abort paths trap.
    this.instance = new WebAssembly.Instance(module, {});
    this.exports = this.instance.exports;
    this.exports._initialize();
    this.configured = false;
    this.configError = false;
    if (env) this.configure(env);
  }

  configure(env) {
    const ok = this.call(
      (p, n) => this.exports.mb_configure(p, n),
      encoder.encode(JSON.stringify(varsFrom(env, { webCrypto: this.webCrypto }))),
    );
    this.configured = true;
    this.configError = ok !== 0;
    return ok === 0;
  }

  maxBodyBytes() {
    return this.exports.mb_max_body_bytes();
  }
  maxRounds() {
    return this.exports.mb_max_rounds();
  }
  // Traps inside the module, as a broken invariant would (the test fault trap:next).
  trap() {
    this.exports.mb_debug_trap();
  }

  // Copies bytes into linear memory for the duration of fn(ptr, len).
  call(fn, bytes) {
    const ptr = this.exports.mb_alloc(bytes.length);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    try {
      return fn(ptr, bytes.length);
    } finally {
      this.exports.mb_free(ptr);
    }
  }

  // The driver loop of the JS hosts, the twin of host-shims/common/drive.h (same bound, same
  // counts): begin, then each batch answered by `await perform(effects)` (all of it) and resumed,
  // notices gathered, until the final step, returned with `rounds` and `kvCalls` (its background
  // counted too; performing it is the caller's). A core past kMaxRounds + 1 batches is a bug: the
  // answer is then the host's own 500, with the id requestIdFor gives.
  async drive(meta, body, perform) {
    const exchange = this.begin(meta, body);
    try {
      let step = exchange.step();
      let rounds = 0;
      let kvCalls = 0;
      const maxRounds = this.maxRounds();
      while (!step.done) {
        if (++rounds > maxRounds + 1) {
          step = hostError(requestIdFor(meta.headers, this.random), [
            ...step.notices,
            `the core did not finish in ${maxRounds} rounds`,
          ]);
          break;
        }
        kvCalls += step.effects.filter(isKvCall).length;
        const outcomes = await perform(step.effects);
        const notices = step.notices;
        step = exchange.resume(outcomes);
        step.notices.unshift(...notices);
      }
      step.rounds = rounds;
      step.kvCalls = kvCalls + step.background.filter(isKvCall).length;
      return step;
    } finally {
      exchange.end();
    }
  }

  begin(meta, body) {
    const x = this.exports;
    const frame = requestFrame(meta);
    const random = this.random(64);
    const payload = body ?? new Uint8Array(0);
    // One allocation for the three inputs of mb_begin (request frame, body, randomness).
    const size = frame.length + payload.length + random.length;
    const ptr = x.mb_alloc(size);
    const memory = new Uint8Array(x.memory.buffer, ptr, size);
    memory.set(frame, 0);
    memory.set(payload, frame.length);
    memory.set(random, frame.length + payload.length);
    let handle;
    try {
      handle = x.mb_begin(
        ptr,
        frame.length,
        ptr + frame.length,
        payload.length,
        this.now(),
        ptr + frame.length + payload.length,
        random.length,
      );
    } finally {
      x.mb_free(ptr);
    }
    if (handle === 0) throw new Error("mb_begin refused the request frame");
    return new Exchange(this, handle);
  }
}

class Exchange {
  constructor(core, handle) {
    this.core = core;
    this.handle = handle;
  }
  // The step; a final one carries its body as bytes (bodyBytes) and, on demand, as text (body).
  step() {
    const x = this.core.exports;
    return readStep(x.memory.buffer, x.mb_step_ptr(this.handle), x.mb_step_len(this.handle));
  }
  resume(outcomes) {
    this.core.call((p, n) => this.core.exports.mb_resume(this.handle, p, n, this.core.now()), outcomesFrame(outcomes));
    return this.step();
  }
  end() {
    if (!this.core.poisoned) this.core.exports.mb_end(this.handle);
  }
}

// ---- the frames of wasm/frames.h, JS side ---------------------------------------------------
// Little-endian u32s; a string is a u32 byte count then UTF-8 bytes; headers are a count then
// (name, value) pairs. The writer's buffer is reused: its bytes are copied into the module at once.

class FrameWriter {
  constructor() {
    this.buf = new Uint8Array(4096);
    this.at = 0;
  }
  reserve(n) {
    if (this.at + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
  }
  u32(v) {
    this.reserve(4);
    const b = this.buf,
      a = this.at;
    b[a] = v;
    b[a + 1] = v >>> 8;
    b[a + 2] = v >>> 16;
    b[a + 3] = v >>> 24;
    this.at += 4;
  }
  str(s) {
    if (s === undefined || s === null || s === "") return this.u32(0);
    if (typeof s !== "string") s = String(s);
    this.reserve(4 + s.length * 3); // UTF-8 is at most 3 bytes per UTF-16 unit
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.at + 4));
    this.u32(written);
    this.at += written;
  }
  bytes(b) {
    if (!b || b.length === 0) return this.u32(0);
    this.reserve(4 + b.length);
    this.u32(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  headers(h) {
    const pairs = !h
      ? []
      : Array.isArray(h)
        ? h
        : typeof h.entries === "function"
          ? [...h.entries()]
          : Object.entries(h);
    this.u32(pairs.length);
    for (const [name, value] of pairs) {
      this.str(name);
      this.str(value);
    }
  }
  take() {
    const out = this.buf.subarray(0, this.at);
    this.at = 0;
    return out;
  }
}
const writer = new FrameWriter();

export function requestFrame({ method, target, headers, body_truncated }) {
  writer.u32(body_truncated ? 1 : 0);
  writer.str(method);
  writer.str(target);
  writer.headers(headers);
  return writer.take();
}

// Outcomes as the hosts build them: {id, failure = Failure.none, detail, value (string | null),
// status, headers, body, allowed = true, valid = false, created = false, signature (bytes)}.
export function outcomesFrame(outcomes) {
  writer.u32(outcomes.length);
  for (const o of outcomes) {
    const hasValue = typeof o.value === "string";
    writer.u32(o.id);
    writer.u32(
      (hasValue ? 1 : 0) | (o.allowed !== false ? 2 : 0) | (o.valid === true ? 4 : 0) | (o.created === true ? 8 : 0),
    );
    writer.u32(o.status ?? 0);
    writer.u32(o.failure ?? Failure.none);
    writer.str(o.detail);
    writer.str(hasValue ? o.value : "");
    writer.headers(o.headers);
    writer.str(o.body);
    writer.bytes(o.signature);
  }
  return writer.take();
}

const KINDS = [
  "kv_get",
  "kv_put",
  "fetch",
  "rate_limit",
  "verify_signature",
  "kv_put_if_absent",
  "sign",
  "kv_claim",
  "kv_release",
];

// A step frame as the object the hosts use: {done: false, effects, notices} or {done: true,
// status, headers, bodyBytes, body (text, on demand), background, log, notices}.
// Methods on a class rather than closures per call: bundlers that keep function names (wrangler's
// esbuild does) wrap every named closure in a helper call, which cost more than the reading itself.
class FrameReader {
  constructor(buffer, ptr, len) {
    this.bytes = new Uint8Array(buffer, ptr, len);
    this.view = new DataView(buffer, ptr, len);
    this.at = 0;
  }
  u32() {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  raw() {
    const n = this.u32();
    const b = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  str() {
    return text(this.raw());
  }
  headers() {
    const h = [];
    for (let n = this.u32(); n > 0; n--) h.push([this.str(), this.str()]);
    return h;
  }
  effects() {
    const list = [];
    for (let n = this.u32(); n > 0; n--) list.push(this.effect());
    return list;
  }
  effect() {
    const id = this.u32(),
      op = KINDS[this.u32()],
      store = this.str(),
      key = this.str(),
      value = this.raw(),
      ttl = this.u32();
    const method = this.str(),
      url = this.str(),
      hs = this.headers(),
      body = this.raw(),
      timeout_ms = this.u32(),
      scope = this.str();
    const alg = this.str(),
      jwk = this.str(),
      data = this.raw(),
      signature = this.raw();
    switch (op) {
      // scope: the write authority of a membership ("<mode>:<account_id>") or an idempotency
      // record (the record's own key)
      case "kv_get":
      case "kv_release":
        return { id, op, store, key, scope };
      case "kv_put":
      case "kv_put_if_absent":
      case "kv_claim":
        return { id, op, store, key, value: text(value), ttl, scope };
      case "fetch":
        return { id, op, method, url, headers: hs, body: text(body), timeout_ms };
      // The core chose key and algorithm; the host only answers valid or not, or the signature.
      case "verify_signature":
        return { id, op, alg, jwk, data: data.slice(), signature: signature.slice() };
      case "sign":
        return { id, op, alg, jwk, data: data.slice() };
      default:
        return { id, op, key };
    }
  }
}

function text(bytes) {
  return bytes.length ? decoder.decode(bytes) : "";
}

// A final step the host makes itself: a 500 envelope under the given request id.
export function hostError(requestId, notices = []) {
  return {
    done: true,
    status: 500,
    headers: [
      ["Content-Type", "application/json"],
      ["X-Request-Id", requestId],
    ],
    bodyBytes: encoder.encode(internalErrorBody),
    body: internalErrorBody,
    background: [],
    log: { request_id: requestId, status: 500, code: 50001 },
    notices,
  };
}

class FinalStep {
  constructor(r) {
    this.done = true;
    this.status = r.u32();
    this.headers = r.headers();
    this.bodyBytes = r.raw().slice();
    this.background = r.effects();
    const log = { request_id: r.str(), status: r.u32() };
    const code = r.u32();
    if (code) log.code = code;
    log.credential_id = r.str() || null;
    log.mode = r.str() || null;
    log.route = r.str();
    if (r.u32() === 1) log.replayed = true;
    const trace = r.str();
    if (trace) log.trace_id = trace;
    this.log = log;
    this.notices = [];
  }
  get body() {
    return decoder.decode(this.bodyBytes);
  }
}

export function readStep(buffer, ptr, len) {
  const r = new FrameReader(buffer, ptr, len);
  const step = r.u32() === 1 ? new FinalStep(r) : { done: false, effects: r.effects(), notices: [] };
  for (let n = r.u32(); n > 0; n--) step.notices.push(r.str());
  return step;
}
