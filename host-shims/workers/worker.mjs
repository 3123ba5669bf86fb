// The Workers host: instantiates the C++ core (dist/worker/membership.wasm) once per isolate and
// performs the effects it asks for (KV, fetch, rate limit, signatures on WebCrypto). All
// decisions are the core's; fault injection for tests (ALLOW_FAULT_INJECTION) is this host's alone.
import wasmModule from "../../dist/worker/membership.wasm";
import { WasmCore, Failure, hostError, requestIdFor, effectLine } from "./core.mjs";
import { verifySignature, sign } from "./signatures.mjs";

// The Durable Object class of the ACCOUNT_STORE binding (wrangler.toml), exported from the main module.
export { AccountStore } from "./account_store.mjs";
// The WebCrypto side of verify_signature and sign effects (tests/worker/webcrypto imports it from here).
export { verifySignature, sign };

// Instantiated once at module scope; configured with env on the first request (env only arrives
// with a request), and replaced by a fresh instance after a trap.
let core = new WasmCore(wasmModule, undefined, { webCrypto: true });
let trapNextPending = true; // FAULTS=trap:next fires once per isolate

function currentCore(env) {
  if (core.poisoned) core = new WasmCore(wasmModule, undefined, { webCrypto: true });
  if (!core.configured) core.configure(env);
  return core;
}

function namespaceFor(env, store) {
  // With KV_TEST and KV_LIVE bound, each mode has its own namespace; otherwise one KV holds both.
  if (env.KV_TEST && env.KV_LIVE) return store === "test" ? env.KV_TEST : env.KV_LIVE;
  return env.KV;
}

const MAX_FETCH_BODY = 1024 * 1024;

async function readText(response, signal) {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks = [];
  let size = 0;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_FETCH_BODY) {
      await reader.cancel();
      throw new Error("response body over 1 MiB");
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concat(chunks, size));
}

const failed = (id, failure, err) => ({ id, failure, detail: String(err?.message ?? err).slice(0, 200) });

// The ACCOUNT_STORE object named by an effect's scope: an account's, or an Idempotency-Key's own.
const authority = (env, scope) => env.ACCOUNT_STORE.get(env.ACCOUNT_STORE.idFromName(scope));

const kvOptions = (effect) => (effect.ttl ? { expirationTtl: Math.max(60, effect.ttl) } : undefined);

export async function perform(effect, env, faults, ctx) {
  const { id } = effect;
  try {
    switch (effect.op) {
      case "kv_get": {
        if (faults.has("kv_get:throw")) throw new Error("injected fault kv_get:throw");
        // kv_get:stale plays a replica that has not seen recent writes: the records a write
        // authority owns (those with a scope) read as absent.
        if (faults.has("kv_get:stale") && effect.scope) return { id, value: null };
        const value = await namespaceFor(env, effect.store).get(effect.key);
        return { id, value };
      }
      case "kv_put": {
        if (faults.has("kv_put:throw")) throw new Error("injected fault kv_put:throw");
        // A record with an authority is written there first (replacing an Idempotency-Key's claim).
        if (effect.scope && env.ACCOUNT_STORE)
          await authority(env, effect.scope).put(effect.key, effect.value, effect.ttl);
        await namespaceFor(env, effect.store).put(effect.key, effect.value, kvOptions(effect));
        return { id };
      }
      case "kv_claim": {
        if (faults.has("kv_put:throw")) throw new Error("injected fault kv_put:throw");
        // At the authority only: a claim is never a KV record.
        const result = await authority(env, effect.scope).putIfAbsent(effect.key, effect.value, effect.ttl);
        return result.created ? { id, created: true } : { id, created: false, value: result.value };
      }
      case "kv_release": {
        if (faults.has("kv_put:throw")) throw new Error("injected fault kv_put:throw");
        await authority(env, effect.scope).delete(effect.key);
        return { id };
      }
      case "kv_put_if_absent": {
        if (faults.has("kv_put:throw")) throw new Error("injected fault kv_put:throw");
        const result = await authority(env, effect.scope).putIfAbsent(effect.key, effect.value, effect.ttl);
        if (!result.created) return { id, created: false, value: result.value };
        // The object is the authority; KV, its read replica, is written after it confirmed.
        const replica = namespaceFor(env, effect.store)
          .put(effect.key, effect.value, kvOptions(effect))
          .catch((err) => log({ level: "warn", message: `KV replica write failed: ${err?.message ?? err}` }));
        if (ctx) ctx.waitUntil(replica);
        else await replica;
        return { id, created: true };
      }
      case "fetch": {
        if (faults.has("fetch:throw")) throw new Error("injected fault fetch:throw");
        const signal = AbortSignal.timeout(effect.timeout_ms || 5000);
        try {
          const res = await fetch(effect.url, {
            method: effect.method,
            headers: effect.headers,
            body: effect.method === "GET" ? undefined : effect.body,
            redirect: "manual",
            signal,
          });
          const body = await readText(res, signal);
          return { id, status: res.status, headers: [...res.headers], body };
        } catch (err) {
          return signal.aborted ? failed(id, Failure.timeout, signal.reason) : failed(id, Failure.refused, err);
        }
      }
      case "rate_limit": {
        if (faults.has("rate_limit:throw")) throw new Error("injected fault rate_limit:throw");
        const { success } = await env.RATE_LIMITER.limit({ key: effect.key });
        return { id, allowed: success };
      }
      case "verify_signature":
        return await verifySignature(effect);
      case "sign":
        return await sign(effect);
      default:
        return { id, failure: Failure.failed, detail: `unknown effect ${effect.op}` };
    }
  } catch (err) {
    return failed(id, Failure.failed, err);
  }
}

// A chunked body past MAX_BODY_BYTES is still read to its end, and dropped: workerd resets a
// connection whose request body was left largely unread, so the 413 never reached the client
// (`wrangler dev` answered 503 "worker restarted"), and reader.cancel() broke the next request too.
// The bound is the request body limit of Cloudflare's smaller plans (100 MB): a larger body never
// reaches a deployed worker; locally, past it reading stops and the client may see a reset.
const MAX_DRAINED_BODY = 100 * 1000 * 1000;

async function readBody(request, max) {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > max) return { bytes: new Uint8Array(0), truncated: true };
  if (!request.body) return { bytes: new Uint8Array(0), truncated: false };
  // A declared length within the limit is read in one native call (the runtime enforces it).
  if (Number.isFinite(declared)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.length > max ? { bytes: bytes.subarray(0, max + 1), truncated: true } : { bytes, truncated: false };
  }
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    chunks.push(value);
    if (size > max) {
      const bytes = concat(chunks, size).subarray(0, max + 1);
      while (size <= MAX_DRAINED_BODY) {
        // the rest is read and dropped
        const next = await reader.read();
        if (next.done) break;
        size += next.value.byteLength;
      }
      return { bytes, truncated: true };
    }
  }
  return { bytes: concat(chunks, size), truncated: false };
}

// Path and query of an absolute URL, without parsing all of it.
function targetOf(url) {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  return path < 0 ? "/" : url.slice(path);
}

function concat(chunks, size) {
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

// FAULTS (and, per request, an X-Debug-Fault header), only with ALLOW_FAULT_INJECTION=true.
function faultsFor(env, request) {
  const faults = new Set();
  if (env.ALLOW_FAULT_INJECTION !== "true") return faults;
  for (const f of `${env.FAULTS ?? ""},${request.headers.get("x-debug-fault") ?? ""}`.split(","))
    if (f.trim()) faults.add(f.trim());
  return faults;
}

// The effect trace of this request, when a test asks for it (X-Debug-Effects: 1, honoured only
// with ALLOW_FAULT_INJECTION=true, like X-Debug-Fault): the scenario tests compare it across hosts.
function effectTrace(env, request) {
  if (env.ALLOW_FAULT_INJECTION !== "true" || request.headers.get("x-debug-effects") !== "1") return null;
  return { rounds: [], background: [] };
}

// The trace as an ASCII header value (JSON, any other character escaped).
const traceHeader = (trace) =>
  JSON.stringify(trace).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

const LEVELS = { debug: 0, info: 1, warn: 2, error: 3 };
let minLevel = LEVELS.info;

// One JSON line per record, at or above LOG_LEVEL.
function log(record) {
  if ((LEVELS[record.level] ?? LEVELS.info) >= minLevel) console.log(JSON.stringify(record));
}

async function handle(request, env, ctx) {
  const started = Date.now();
  minLevel = LEVELS[env.LOG_LEVEL] ?? LEVELS.info;
  const faults = faultsFor(env, request);
  const trace = effectTrace(env, request);
  let instance = currentCore(env);
  const { bytes, truncated } = await readBody(request, instance.maxBodyBytes());
  const meta = {
    method: request.method,
    target: targetOf(request.url),
    headers: [...request.headers],
    body_truncated: truncated,
  };

  for (let attempt = 0; ; ++attempt) {
    try {
      if (faults.has("trap") || (faults.has("trap:next") && trapNextPending)) {
        trapNextPending = false;
        instance.trap();
      }
      if (trace) trace.rounds = []; // a retry on a fresh instance starts over
      const step = await instance.drive(meta, bytes, async (effects) => {
        trace?.rounds.push(effects.map(effectLine));
        const outcomes = await Promise.all(effects.map((e) => perform(e, env, faults, ctx)));
        if (instance.poisoned) throw new InstancePoisoned();
        return outcomes;
      });
      if (step.background.length) {
        ctx.waitUntil(
          Promise.all(step.background.map((e) => perform(e, env, faults, ctx))).then((outs) => {
            for (const o of outs)
              if (o.failure)
                log({
                  level: "warn",
                  request_id: step.log.request_id,
                  message: `background write failed: ${o.detail}`,
                });
          }),
        );
      }
      if (trace) trace.background = step.background.map(effectLine);
      for (const message of step.notices) log({ level: "warn", request_id: step.log.request_id, message });
      log({
        level: "info",
        ...step.log,
        rounds: step.rounds,
        kv_calls: step.kvCalls,
        duration_ms: Date.now() - started,
      });
      return new Response(step.status === 204 || request.method === "HEAD" ? null : step.bodyBytes, {
        status: step.status,
        headers: trace ? [...step.headers, ["X-Debug-Effects", traceHeader(trace)]] : step.headers,
      });
    } catch (err) {
      // Another request trapped the instance while this one waited: start over on a fresh one.
      if (err instanceof InstancePoisoned && attempt === 0) {
        instance = currentCore(env);
        continue;
      }
      if (err instanceof WebAssembly.RuntimeError || err instanceof InstancePoisoned) {
        instance.poisoned = true;
        const answer = hostError(requestIdFor(meta.headers, instance.random));
        log({
          level: "error",
          request_id: answer.log.request_id,
          status: 500,
          message: `wasm trap: ${err.message}`,
          duration_ms: Date.now() - started,
        });
        return new Response(answer.bodyBytes, { status: 500, headers: answer.headers });
      }
      throw err;
    }
  }
}

class InstancePoisoned extends Error {}

// The paths the worker answers. wrangler.toml runs the worker first for every path (API requests
// skip the asset router); any other path is a static asset, or the core's 404 when there is none.
const WORKER_PATHS = /^\/(?:v1\/|\.well-known\/|preview\/config\.json)/;

export default {
  async fetch(request, env, ctx) {
    if (env.ASSETS && !WORKER_PATHS.test(targetOf(request.url))) {
      const asset = await env.ASSETS.fetch(request);
      if (asset.status !== 404) return asset;
    }
    try {
      return await handle(request, env, ctx);
    } catch (err) {
      // A bug in this glue: still the envelope, never an HTML error page.
      const answer = hostError(requestIdFor([...request.headers], (n) => crypto.getRandomValues(new Uint8Array(n))));
      log({
        level: "error",
        request_id: answer.log.request_id,
        status: 500,
        message: `host error: ${err?.stack ?? err}`,
      });
      return new Response(answer.bodyBytes, { status: 500, headers: answer.headers });
    }
  },
};
