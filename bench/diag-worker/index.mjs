// Diagnostics worker (not a baseline), by the X-Bench request header:
//   body             the empty worker's constant answer after reading the request body
//   log              the empty worker's constant answer plus one JSON log line
//   kv1              the same plus one local KV read of a stored record
//   miss1, put1      the same as kv1 with a read of an absent key, or a write of a new key instead
//   core:<case>:<n>  the constant answer after running <n> exchanges of the product's core (the
//                    shipped module and the worker's own glue, host-shims/workers) inside this
//                    isolate, effects answered from memory (the KV seed, loaded once per isolate),
//                    signatures verified by the worker's WebCrypto code; no log line, no KV call.
// bench/throughput.mjs takes differences of isolate CPU per request between these rows (and the
// `core:<case>:0` row), so what a log line, a KV read and one exchange of each case cost inside
// workerd come out of the same run. An exchange that does not answer its expected status turns
// the answer into a 500, so the load run's status counts show it.
import wasmModule from "../../dist/worker/membership.wasm";
import { WasmCore } from "../../host-shims/workers/core.mjs";
import { verifySignature } from "../../host-shims/workers/signatures.mjs";
import { performInMemory } from "../lib/memory_effects.mjs";

const body = '{"message":"success","success":true,"data":{}}';
// A membership record's size, as a create writes it.
const PUT_VALUE = JSON.stringify({ id: "mem_diag0000000000000000", account_id: "acct_1", permissions: ["read"], created_at: "2026-11-30T00:00:00Z",
  workspace_membership_id: null, user: { id: null, email: "someone@diag.example.com", name: null } });
const encoder = new TextEncoder();
const TARGET = "/v1/account-memberships/?account_id=acct_1";
const bytes = (o) => encoder.encode(JSON.stringify(o));
const read = ["read"];
// Per case: the credential (the request's own, or one of the tokens in the body), a body per
// exchange (i: a counter unique within the isolate) and the expected status.
let counter = 0;
const CASES = {
  none: null,
  apikey_create: { body: (i) => bytes({ email: `c${i}@diag.example.com`, permissions: read }), expect: 201 },
  apikey_replay: { body: () => bytes({ workspace_membership_id: "wsm_1", permissions: read }), expect: 200, allow: [201] },
  jwt_create: { tokens: true, body: (i) => bytes({ email: `j${i}@diag.example.com`, permissions: read }), expect: 201 },
  reject_422: { body: () => bytes({ email: "not-an-email", permissions: ["Bad Perm"] }), expect: 422 },
  reject_401: { credential: "not-a-credential", body: () => bytes({ email: "ann@example.com", permissions: read }), expect: 401 },
};

let core = null;
let seed = null;

async function loadSeed(env) {
  const map = new Map();
  let cursor;
  do {
    const page = await env.KV.list({ cursor });
    for (const k of page.keys) map.set(k.name, await env.KV.get(k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return map;
}

function answer(e) {
  return e.op === "verify_signature" ? verifySignature(e) : performInMemory(seed, e);
}

async function exchange(credential, payload) {
  const meta = { method: "POST", target: TARGET, body_truncated: false,
    headers: [["content-type", "application/json"], ["authorization", `Bearer ${credential}`]] };
  const ex = core.begin(meta, payload);
  try {
    let step = ex.step();
    while (!step.done) {
      const outcomes = step.effects.map(answer);
      step = ex.resume(outcomes.some((o) => o instanceof Promise) ? await Promise.all(outcomes) : outcomes);
    }
    for (const e of step.background) await answer(e);
    return step.status;
  } finally {
    ex.end();
  }
}

export default {
  async fetch(request, env) {
    const variant = request.headers.get("x-bench") ?? "";
    let kv = 0;
    if (variant === "body") await request.arrayBuffer();
    if (variant === "kv1") {
      await env.KV.get("account:test:acct_1");
      kv = 1;
    }
    if (variant === "miss1") {
      await env.KV.get(`diag:absent:${counter++}`);
      kv = 1;
    }
    if (variant === "put1") {
      await env.KV.put(`diag:put:${counter++}`, PUT_VALUE);
      kv = 1;
    }
    if (variant === "log" || variant === "kv1" || variant === "miss1" || variant === "put1")
      console.log(JSON.stringify({ level: "info", request_id: "req_diag", status: 200, credential_id: "", mode: "test", route: "edge", rounds: kv, kv_calls: kv, duration_ms: 0 }));
    if (variant.startsWith("core:")) {
      const [, name, n] = variant.split(":");
      const c = CASES[name];
      if (c === undefined) return new Response("unknown case", { status: 400 });
      if (!core) { core = new WasmCore(wasmModule, env, { log: () => {}, webCrypto: true }); seed = await loadSeed(env); }
      const apiKey = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      const tokens = c?.tokens ? (await request.text()).split("\n").filter(Boolean) : null;
      for (let i = 0; c && i < Number(n); i++) {
        const credential = tokens ? tokens[i % tokens.length] : c.credential ?? apiKey;
        const status = await exchange(credential, c.body(counter++));
        if (status !== c.expect && !(i === 0 && c.allow?.includes(status))) return new Response(`exchange answered ${status}`, { status: 500 });
      }
    }
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  },
};
