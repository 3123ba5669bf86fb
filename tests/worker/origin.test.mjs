// Live-mode forwarding, write-through and every origin and KV fault, end to end through workerd
// with a real origin server on loopback (demo/origin.mjs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, createHash } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import { parseDictionary, Token } from "structured-headers";
import { startWorker, readSeed, send, getKey, listKeys, eventually } from "./harness.mjs";
import { startOrigin, forwardVerifier } from "../../demo/origin.mjs";

const LIVE = "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc";
const TEST = "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const SECRET = "edge-origin-shared-secret";
const DIRECTORY = "/.well-known/http-message-signatures-directory";
// A real P-256 key generated for this run: the worker signs with it (WebCrypto in workerd), the
// origin verifies with its public half fetched from the worker's directory.
const signingJwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
let origin, worker;

const create = (auth, json, extra = {}, account = "acct_1") =>
  send(worker.url, {
    method: "POST",
    target: `/v1/account-memberships/?account_id=${account}`,
    headers: { Authorization: auth, "Content-Type": "application/json", ...extra },
    json,
  });

before(async () => {
  origin = await startOrigin({ secret: SECRET, directoryUrl: () => worker.url + DIRECTORY });
  worker = await startWorker({
    seed: readSeed(),
    vars: {
      ROUTING: "auto",
      ORIGIN_URL: origin.url,
      ORIGIN_TIMEOUT_MS: "1000",
      ORIGIN_SHARED_SECRET: SECRET,
      ORIGIN_SIGNING_KEY: JSON.stringify(signingJwk),
      ALLOW_FAULT_INJECTION: "true",
      RATE_LIMIT_PER_MINUTE: "100000",
    },
  });
});
after(async () => {
  await worker?.stop();
  await origin?.close();
});

test("the directory publishes the public key (kid = RFC 7638 thumbprint), no private member, no credential needed", async () => {
  const res = await send(worker.url, { method: "GET", target: DIRECTORY });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get("content-type"), "application/http-message-signatures-directory+json");
  assert.equal(res.headers.get("cache-control"), "max-age=300");
  assert.equal(res.json.keys.length, 1);
  const [key] = res.json.keys;
  const { d, ...publicJwk } = signingJwk;
  assert.deepEqual(
    { kty: key.kty, crv: key.crv, x: key.x, y: key.y },
    { kty: "EC", crv: "P-256", x: publicJwk.x, y: publicJwk.y },
  );
  assert.equal(key.kid, await calculateJwkThumbprint(publicJwk, "sha256"));
  assert.ok(!res.text.includes(d) && !("d" in key), "a private member was published");
  assert.equal((await send(worker.url, { method: "POST", target: DIRECTORY })).status, 405);
});

test("live create is forwarded with the contract's headers, signed, verified by the origin, and written through", async () => {
  const before = origin.received.length;
  const res = await create(
    LIVE,
    { email: "Carol@Example.com", permissions: ["read"] },
    { "X-Request-Id": "fwd-1", traceparent: TRACEPARENT, tracestate: "congo=t61rcWkgMzE" },
  );
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.data.user.email, "carol@example.com");
  assert.equal(origin.received.length, before + 1);
  const got = origin.received.at(-1);
  assert.equal(got.verified, true, "the origin (http-message-signatures, key from the directory) refused the forward");
  assert.equal(got.url, "/v1/account-memberships/?account_id=acct_1");
  assert.equal(got.headers.authorization, LIVE);
  assert.equal(got.headers["content-type"], "application/json");
  assert.equal(got.headers["x-request-id"], "fwd-1");
  assert.equal(got.headers["x-edge-credential-id"], "key_live_1");
  assert.equal(got.headers["x-edge-mode"], "live");
  assert.equal(got.headers["x-edge-signature"], undefined);
  assert.equal(got.headers.traceparent, TRACEPARENT);
  assert.equal(got.headers.tracestate, "congo=t61rcWkgMzE");
  assert.deepEqual(JSON.parse(got.body), { email: "carol@example.com", permissions: ["read"] });
  // RFC 9530 and RFC 9651, read with structured-headers.
  const digest = parseDictionary(got.headers["content-digest"]).get("sha-256")[0];
  assert.deepEqual(Buffer.from(digest), createHash("sha256").update(got.body).digest());
  const identity = parseDictionary(got.headers["x-edge-identity"]);
  assert.deepEqual([...identity.keys()], ["auth", "cred", "mode", "account"]);
  assert.ok(identity.get("auth")[0] instanceof Token);
  assert.equal(identity.get("auth")[0].toString(), "api_key");
  assert.equal(identity.get("cred")[0], "key_live_1");
  assert.equal(identity.get("mode")[0].toString(), "live");
  assert.equal(identity.get("account")[0], "acct_1");
  // Two signatures, each with the contract's components and parameters.
  const inputs = parseDictionary(got.headers["signature-input"]);
  assert.deepEqual([...inputs.keys()], ["edge", "edge-hmac"]);
  const kid = (await (await fetch(worker.url + DIRECTORY)).json()).keys[0].kid;
  for (const [label, alg, keyid] of [
    ["edge", "ecdsa-p256-sha256", kid],
    ["edge-hmac", "hmac-sha256", "edge-hmac"],
  ]) {
    const [components, params] = inputs.get(label);
    assert.deepEqual(
      components.map(([c]) => c),
      [
        "@method",
        "@path",
        "@query",
        "content-digest",
        "content-type",
        "x-request-id",
        "x-edge-credential-id",
        "x-edge-mode",
        "x-edge-identity",
        "traceparent",
      ],
    );
    assert.deepEqual([...params.keys()], ["created", "expires", "nonce", "keyid", "alg", "tag"]);
    assert.equal(params.get("expires") - params.get("created"), 300);
    assert.ok(Math.abs(params.get("created") - Date.now() / 1000) < 60);
    assert.equal(Buffer.from(params.get("nonce"), "base64url").length, 16);
    assert.equal(params.get("keyid"), keyid);
    assert.equal(params.get("alg"), alg);
    assert.equal(params.get("tag"), "membership-edge");
  }
  assert.notEqual(inputs.get("edge")[1].get("nonce"), inputs.get("edge-hmac")[1].get("nonce"));
  const stored = await eventually(() =>
    getKey(worker.persist, "account_membership:live:acct_1:email:carol@example.com"),
  );
  assert.ok(stored, "2xx from the origin is written through to KV");
  assert.equal(JSON.parse(stored).id, res.json.data.id);
  const line = await eventually(() => worker.jsonLogs().find((l) => l.request_id === "fwd-1" && l.status));
  assert.equal(line?.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
});

test("an invalid traceparent is dropped, never refused; Idempotency-Key is covered when sent", async () => {
  const res = await create(
    LIVE,
    { email: "trace-bad@example.com" },
    {
      "X-Request-Id": "fwd-trace-bad",
      traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      tracestate: "a=b",
      "Idempotency-Key": "trace-k1",
    },
  );
  assert.equal(res.status, 201, res.text);
  const got = origin.received.at(-1);
  assert.equal(got.verified, true);
  assert.equal(got.headers.traceparent, undefined);
  assert.equal(got.headers.tracestate, undefined);
  assert.equal(got.headers["idempotency-key"], "trace-k1");
  const components = parseDictionary(got.headers["signature-input"])
    .get("edge")[0]
    .map(([c]) => c);
  assert.ok(components.includes("idempotency-key") && !components.includes("traceparent"));
  const line = await eventually(() => worker.jsonLogs().find((l) => l.request_id === "fwd-trace-bad" && l.status));
  assert.ok(line && !("trace_id" in line));
});

test("a replay of a written-through create is answered at the edge", async () => {
  const before = origin.received.length;
  const res = await create(LIVE, { email: "carol@example.com", permissions: ["read"] });
  assert.equal(res.status, 200, res.text);
  assert.equal(origin.received.length, before, "origin was called");
});

test("an identical live membership already in KV is answered at the edge (200)", async () => {
  const before = origin.received.length;
  const res = await create(LIVE, { workspace_membership_id: "wsm_1", permissions: ["read"] });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.data.id, "am_LiveSeed000000000000000");
  assert.equal(origin.received.length, before);
});

test("test mode in auto routing never reaches the origin", async () => {
  const before = origin.received.length;
  const res = await create(TEST, { email: "sandbox-only@example.com" });
  assert.equal(res.status, 201, res.text);
  assert.equal(origin.received.length, before);
});

test("the origin's own errors pass through (404, 409)", async () => {
  let res = await create(LIVE, { workspace_membership_id: "wsm_unknown_at_origin" });
  assert.equal(res.status, 404);
  assert.equal(res.json.error.code, 40403);
  await create(LIVE, { workspace_membership_id: "wsm_2", permissions: ["read"] });
  res = await create(LIVE, { workspace_membership_id: "wsm_2", permissions: ["admin"] });
  assert.equal(res.status, 409);
  assert.deepEqual(res.json.error.details.existing_permissions, ["read"]);
});

test("Idempotency-Key on a forwarded create: replay is the stored answer, origin not called", async () => {
  const first = await create(LIVE, { email: "idem-live@example.com" }, { "Idempotency-Key": "live-k1" });
  assert.equal(first.status, 201);
  const before = origin.received.length;
  const replay = await eventually(async () => {
    const r = await create(LIVE, { email: "idem-live@example.com" }, { "Idempotency-Key": "live-k1" });
    return r.headers.get("idempotent-replayed") === "true" ? r : null;
  });
  assert.ok(replay, "no replay");
  assert.equal(replay.status, 201);
  assert.equal(replay.text, first.text);
  assert.equal(origin.received.length, before);
  const other = await create(LIVE, { email: "someone-else@example.com" }, { "Idempotency-Key": "live-k1" });
  assert.equal(other.status, 409);
  assert.equal(other.json.error.code, 40902);
});

const faults = [
  ["error500", 500, 50001, "origin 5xx passes through"],
  ["html", 502, 50202, "HTML answer is 502"],
  ["reset", 502, 50201, "connection reset is 502"],
  ["partial", 502, null, "reset mid-body is 502"],
  ["slow", 504, 50401, "past ORIGIN_TIMEOUT_MS is 504"],
];
for (const [mode, status, code, name] of faults) {
  test(`origin fault: ${name}, nothing written`, async () => {
    origin.setMode(mode, mode === "slow" ? 3000 : 0);
    try {
      const email = `fault-${mode}@example.com`;
      const started = Date.now();
      const res = await create(LIVE, { email });
      assert.equal(res.status, status, res.text);
      if (code) assert.equal(res.json.error.code, code);
      assert.equal(res.headers.get("content-type"), "application/json");
      if (mode === "slow") assert.ok(Date.now() - started < 2900, "timeout not enforced");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await getKey(worker.persist, `account_membership:live:acct_1:email:${email}`), null);
    } finally {
      origin.setMode("normal");
    }
  });
}

test("KV get that throws: 503, never a 201", async () => {
  const res = await create(TEST, { email: "kv-get-fault@example.com" }, { "X-Debug-Fault": "kv_get:throw" });
  assert.equal(res.status, 503);
  assert.equal(res.json.error.code, 50301);
});

test("KV put that throws after the membership was built: 503 and no record", async () => {
  const res = await create(TEST, { email: "kv-put-fault@example.com" }, { "X-Debug-Fault": "kv_put:throw" });
  assert.equal(res.status, 503);
  assert.equal(await getKey(worker.persist, "account_membership:test:acct_1:email:kv-put-fault@example.com"), null);
  const retry = await create(TEST, { email: "kv-put-fault@example.com" });
  assert.equal(retry.status, 201, "the retry creates it");
});

test("the forward carries ?account_id=<checked id> alone; every tampered component and parameter is refused", async () => {
  const before = origin.received.length;
  const res = await send(worker.url, {
    method: "POST",
    target: "/v1/account-memberships/?x=1;account_id=acct_2&account_id=acct_1&account[id]=acct_2",
    headers: {
      Authorization: LIVE,
      "Content-Type": "application/json",
      "X-Request-Id": "fwd-tamper",
      "Idempotency-Key": "tamper-k1",
      traceparent: TRACEPARENT,
    },
    json: { email: "tamper@example.com" },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(origin.received.length, before + 1);
  const got = origin.received.at(-1);
  assert.equal(got.verified, true);
  assert.equal(got.url, "/v1/account-memberships/?account_id=acct_1");
  const captured = Object.fromEntries(
    Object.entries(got.headers).filter(([k]) => !["host", "content-length", "connection"].includes(k)),
  );
  // Replayed to the real origin server over HTTP: refused with its reason.
  const replay = async ({ method = "POST", url = got.url, headers = {}, body = got.body } = {}) => {
    const r = await fetch(origin.url + url, { method, body, headers: { ...captured, ...headers } });
    const json = await r.json();
    return r.status === 401 ? json.error.details.reason : "";
  };
  // As captured: its nonce was used already.
  assert.match(await replay(), /nonce reused/);
  const evil = '{"email":"evil@example.com","permissions":[]}';
  const otherDigest = `sha-256=:${createHash("sha256").update(evil).digest("base64")}:`;
  const tampered = {
    "@method": { method: "PUT" },
    "@path": { url: "/v1/account-memberships?account_id=acct_1" },
    "@query": { url: "/v1/account-memberships/?account_id=acct_2" },
    "content-digest": { headers: { "content-digest": otherDigest }, body: evil },
    "the body alone": { body: evil },
    "content-type": { headers: { "content-type": "application/json; charset=utf-8" } },
    "x-request-id": { headers: { "x-request-id": "fwd-other" } },
    "x-edge-credential-id": { headers: { "x-edge-credential-id": "key_other" } },
    "x-edge-mode": { headers: { "x-edge-mode": "test" } },
    "x-edge-identity": { headers: { "x-edge-identity": captured["x-edge-identity"].replace("acct_1", "acct_2") } },
    "idempotency-key": { headers: { "idempotency-key": "tamper-k2" } },
    traceparent: { headers: { traceparent: TRACEPARENT.replace(/01$/, "00") } },
  };
  for (const [what, change] of Object.entries(tampered)) {
    const why = await replay(change);
    assert.ok(why && !/nonce/.test(why), `${what}: ${why || "accepted"}`);
  }
  // Each signature parameter changed in Signature-Input: the signature no longer verifies.
  const input = captured["signature-input"];
  const changes = {
    created: [/created=\d+/g, "created=1"],
    expires: [/expires=\d+/g, "expires=9999999999"],
    nonce: [/nonce="[^"]+"/g, 'nonce="AAAAAAAAAAAAAAAAAAAAAA"'],
    keyid: [/keyid="[^"]+"/g, 'keyid="another"'],
    alg: [/alg="[^"]+"/g, 'alg="ed25519"'],
    tag: [/tag="[^"]+"/g, 'tag="other"'],
  };
  for (const [name, [re, value]] of Object.entries(changes)) {
    const why = await replay({ headers: { "signature-input": input.replace(re, value) } });
    assert.ok(why && !/nonce reused/.test(why), `${name}: ${why || "accepted"}`);
  }
  // A fresh verifier (no nonce seen) accepts the captured forward with the key fetched from the
  // directory and the shared secret, and refuses it once expired (5 minutes later), with another
  // public key under the same kid, or with another shared secret.
  const request = { method: "POST", url: origin.url + got.url, headers: got.headers, body: got.body };
  const directoryUrl = worker.url + DIRECTORY;
  assert.equal(await forwardVerifier({ directoryUrl, secret: SECRET })(request), "");
  const realNow = Date.now;
  Date.now = () => realNow() + 301_000;
  try {
    assert.match(await forwardVerifier({ directoryUrl, secret: SECRET })(request), /expired|too old/);
  } finally {
    Date.now = realNow;
  }
  const kid = (await (await fetch(directoryUrl)).json()).keys[0].kid;
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  const wrongDirectory = `data:application/json,${encodeURIComponent(JSON.stringify({ keys: [{ ...other, kid }] }))}`;
  assert.match(await forwardVerifier({ directoryUrl: wrongDirectory })(request), /edge signature does not verify/);
  assert.match(await forwardVerifier({ secret: "another-secret" })(request), /edge-hmac signature does not verify/);
});

test("a trap answers 500 with the envelope; requests in flight and after still succeed", async () => {
  const inflight = Array.from({ length: 8 }, (_, i) => create(TEST, { email: `inflight-${i}@example.com` }));
  const trapped = create(TEST, { email: "trap@example.com" }, { "X-Debug-Fault": "trap", "X-Request-Id": "trap-1" });
  const [t, ...rest] = await Promise.all([trapped, ...inflight]);
  assert.equal(t.status, 500);
  assert.equal(t.json.error.code, 50001);
  // The host's own answer carries the id by the rule of every answer: here the caller's.
  assert.equal(t.headers.get("x-request-id"), "trap-1");
  for (const r of rest) assert.equal(r.status, 201, r.text);
  const after = await create(TEST, { email: "after-trap@example.com" });
  assert.equal(after.status, 201);
  // Log lines reach the test through wrangler's stdout a little later than the answers.
  assert.ok(
    await eventually(() => worker.logs.some((l) => l.includes("wasm trap") && l.includes('"request_id":"trap-1"'))),
    "the trap is logged under the request's id",
  );
});

test("200 concurrent creates: every 201 has its KV record, no 5xx", async () => {
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      create(TEST, { email: `concurrent-${i}@example.com`, permissions: ["read"] }),
    ),
  );
  const statuses = results.map((r) => r.status);
  assert.deepEqual([...new Set(statuses)], [201], `statuses: ${[...new Set(statuses)]}`);
  const keys = await listKeys(worker.persist, "account_membership:test:acct_1:email:concurrent-");
  assert.equal(keys.length, 200);
});

test("more than 256 request headers: 431 with the envelope, never a 500", async () => {
  const headers = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-filler-${i}`, "1"]));
  const res = await create(TEST, { email: "headers@example.com" }, headers);
  assert.equal(res.status, 431, res.text);
  assert.equal(res.json.error.code, 43101);
  assert.equal(res.headers.get("content-type"), "application/json");
});

test("origin down: 502", async () => {
  await origin.close();
  const res = await create(LIVE, { email: "down@example.com" });
  assert.equal(res.status, 502);
  assert.equal(res.json.error.code, 50201);
});
