// JWT authentication through the real worker: RS256, ES256, HS256 tokens signed by keys the test
// generates, the claims rules, and the classic attacks.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startWorker, readSeed, send, getKey } from "./harness.mjs";
import { startOrigin } from "../../demo/origin.mjs";
import { makeKeys, signJwt, claims, b64url } from "../jwt.mjs";
import { createHash } from "node:crypto";

const keys = makeKeys();
let worker, origin;
const RS = { alg: "RS256", typ: "JWT", kid: "rsa-1" };
const ES = { alg: "ES256", typ: "JWT", kid: "ec-1" };
const HS = { alg: "HS256", typ: "JWT" };

const create = (
  token,
  json = { email: `jwt-${Math.random().toString(36).slice(2)}@example.com` },
  account = "acct_1",
) =>
  send(worker.url, {
    method: "POST",
    target: `/v1/account-memberships/?account_id=${account}`,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    json,
  });

before(async () => {
  origin = await startOrigin();
  worker = await startWorker({
    seed: readSeed(),
    vars: {
      ROUTING: "auto",
      ORIGIN_URL: origin.url,
      JWT_ISSUER: "https://auth.example.com/",
      JWT_AUDIENCE: "memberships-api",
      JWT_JWKS: JSON.stringify(keys.jwks),
      JWT_HS256_SECRET: keys.hsSecret,
      JWT_REQUIRED_SCOPE: "memberships:write",
    },
  });
});
after(async () => {
  await worker?.stop();
  await origin?.close();
});

test("RS256, ES256 and HS256 tokens create memberships (test mode at the edge)", async () => {
  for (const [header, key] of [
    [RS, keys.rsa.privateKey],
    [ES, keys.ec.privateKey],
    [HS, keys.hsSecret],
  ]) {
    const res = await create(signJwt(header, claims(), key));
    assert.equal(res.status, 201, `${header.alg}: ${res.text}`);
  }
});

test("a repeated token is accepted again (verified-token cache) and time checks still run", async () => {
  const token = signJwt(RS, claims(), keys.rsa.privateKey);
  const email = "repeat@example.com";
  assert.equal((await create(token, { email })).status, 201);
  assert.equal((await create(token, { email })).status, 200);
});

test("ignored JWKS keys (1024-bit RSA, oct) are logged and never used", async () => {
  const weak = signJwt({ alg: "RS256", kid: "rsa-weak" }, claims(), keys.weakRsa.privateKey);
  const res = await create(weak);
  assert.equal(res.status, 401);
  assert.equal(res.json.error.code, 40113);
  assert.ok(
    worker.logs.some((l) => l.includes("rsa-weak") && l.includes("1024 bits")),
    "no log line for the weak key",
  );
  assert.ok(
    worker.logs.some((l) => l.includes("oct-1")),
    "no log line for the oct key",
  );
});

const bad = [
  [
    "expired by one second past the leeway",
    () => signJwt(RS, claims({ exp: Math.floor(Date.now() / 1000) - 61 }), keys.rsa.privateKey),
    401,
    40115,
  ],
  ["no exp", () => signJwt(RS, claims({ exp: undefined }), keys.rsa.privateKey), 401, 40120],
  [
    "nbf in the future",
    () => signJwt(RS, claims({ nbf: Math.floor(Date.now() / 1000) + 600 }), keys.rsa.privateKey),
    401,
    40116,
  ],
  [
    "iat in the future",
    () => signJwt(RS, claims({ iat: Math.floor(Date.now() / 1000) + 600 }), keys.rsa.privateKey),
    401,
    40117,
  ],
  ["wrong issuer", () => signJwt(RS, claims({ iss: "https://evil.example.com/" }), keys.rsa.privateKey), 401, 40118],
  ["wrong audience", () => signJwt(RS, claims({ aud: ["other-api"] }), keys.rsa.privateKey), 401, 40119],
  ["no sub", () => signJwt(RS, claims({ sub: undefined }), keys.rsa.privateKey), 401, 40120],
  ["missing scope", () => signJwt(RS, claims({ scope: "openid" }), keys.rsa.privateKey), 403, 40303],
  ["account not granted", () => signJwt(RS, claims({ account_ids: ["acct_9"] }), keys.rsa.privateKey), 403, 40302],
  [
    "no account_ids where the edge answers",
    () => signJwt(RS, claims({ account_ids: undefined }), keys.rsa.privateKey),
    403,
    40302,
  ],
  ["alg none", () => signJwt({ alg: "none" }, claims(), null), 401, 40112],
  ["alg None", () => signJwt({ alg: "None" }, claims(), null), 401, 40112],
  ["alg NONE", () => signJwt({ alg: "NONE" }, claims(), null), 401, 40112],
  ["alg nOnE", () => signJwt({ alg: "nOnE" }, claims(), null), 401, 40112],
  ["alg HS512", () => signJwt({ alg: "HS512" }, claims(), null), 401, 40112],
  [
    "RS256 to HS256 with the public key as the secret",
    () => signJwt({ alg: "HS256", kid: "rsa-1" }, claims(), keys.rsa.publicKey.export({ type: "spki", format: "pem" })),
    401,
    40114,
  ],
  [
    "crit header (RFC 7515 §4.1.11: no extension is understood)",
    () => signJwt({ ...RS, crit: ["exp"] }, claims(), keys.rsa.privateKey),
    401,
    40121,
  ],
  [
    "crit b64:false (unencoded payload)",
    () => signJwt({ ...RS, crit: ["b64"], b64: false }, claims(), keys.rsa.privateKey),
    401,
    40121,
  ],
  [
    "kid path traversal",
    () => signJwt({ ...RS, kid: "../../../../etc/passwd" }, claims(), keys.rsa.privateKey),
    401,
    40113,
  ],
  ["kid SQL-like", () => signJwt({ ...RS, kid: "' OR '1'='1" }, claims(), keys.rsa.privateKey), 401, 40113],
  [
    "embedded jwk header is ignored",
    () => {
      const attacker = makeKeys();
      return signJwt(
        { alg: "RS256", jwk: attacker.rsa.publicKey.export({ format: "jwk" }) },
        claims(),
        attacker.rsa.privateKey,
      );
    },
    401,
    40114,
  ],
  [
    "jku header is ignored",
    () => signJwt({ ...RS, kid: "attacker", jku: "http://127.0.0.1:1/jwks" }, claims(), keys.rsa.privateKey),
    401,
    40113,
  ],
  [
    "ES256 r=s=0",
    () => {
      const t = signJwt(ES, claims(), keys.ec.privateKey);
      return t.slice(0, t.lastIndexOf(".") + 1) + b64url(Buffer.alloc(64));
    },
    401,
    40114,
  ],
  [
    "truncated signature (one byte short)",
    () => {
      const t = signJwt(RS, claims(), keys.rsa.privateKey);
      const sig = Buffer.from(t.slice(t.lastIndexOf(".") + 1), "base64url");
      return t.slice(0, t.lastIndexOf(".") + 1) + b64url(sig.subarray(0, sig.length - 1));
    },
    401,
    40114,
  ],
  // A 256-byte RSA signature is 342 characters; the last one carries 2 bits and 4 zero bits.
  [
    "signature of impossible length (4n+1 characters)",
    () => signJwt(RS, claims(), keys.rsa.privateKey).slice(0, -1),
    401,
    40111,
  ],
  [
    "non-canonical last character in the signature",
    () => {
      const t = signJwt(RS, claims(), keys.rsa.privateKey);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      return t.slice(0, -1) + alphabet[alphabet.indexOf(t.at(-1)) | 1]; // a set low bit: not canonical
    },
    401,
    40111,
  ],
  ["oversized signature", () => signJwt(RS, claims(), keys.rsa.privateKey) + "AAAA", 401, 40114],
  [
    "tampered payload",
    () => {
      const [h, , s] = signJwt(RS, claims(), keys.rsa.privateKey).split(".");
      return `${h}.${b64url(JSON.stringify(claims({ account_ids: ["*"] })))}.${s}`;
    },
    401,
    40114,
  ],
  ["padding in the signature", () => signJwt(RS, claims(), keys.rsa.privateKey) + "=", 401, 40111],
  [
    "ES256 token with the RSA kid",
    () => signJwt({ alg: "ES256", kid: "rsa-1" }, claims(), keys.ec.privateKey),
    401,
    40113,
  ],
];
for (const [name, token, status, code] of bad) {
  test(`refused: ${name} → ${status} ${code}`, async () => {
    const res = await create(token());
    assert.equal(res.status, status, res.text);
    assert.equal(res.json.error.code, code, res.text);
    if (status === 401) assert.match(res.headers.get("www-authenticate"), /^Bearer/);
  });
}

test("within the leeway: expired 59 s ago is accepted", async () => {
  const res = await create(signJwt(RS, claims({ exp: Math.floor(Date.now() / 1000) - 59 }), keys.rsa.privateKey));
  assert.equal(res.status, 201, res.text);
});

test("aud as an array, scope in a permissions array, account wildcard", async () => {
  const token = signJwt(
    ES,
    claims({ aud: ["x", "memberships-api"], scope: undefined, permissions: ["memberships:write"], account_ids: ["*"] }),
    keys.ec.privateKey,
  );
  assert.equal((await create(token, { email: "wild@example.com" }, "acct_2")).status, 201);
});

test("a live token without account_ids is forwarded to the origin, credential id jwt:<sub>", async () => {
  const before = origin.received.length;
  const res = await create(
    signJwt(RS, claims({ livemode: true, account_ids: undefined, sub: "auth0|abc" }), keys.rsa.privateKey),
    { email: "live-jwt@example.com" },
  );
  assert.equal(res.status, 201, res.text);
  assert.equal(origin.received.length, before + 1);
  assert.equal(origin.received.at(-1).headers["x-edge-credential-id"], "jwt%3Aauth0%7Cabc"); // KV-part encoded: plain ASCII (docs/storage.md)
  assert.equal(origin.received.at(-1).headers["x-edge-mode"], "live");
});

test("a JWT is never logged", () => {
  const token = signJwt(RS, claims(), keys.rsa.privateKey);
  assert.ok(!worker.logs.some((l) => l.includes(token.split(".")[2].slice(0, 20))));
});

// JWKS from a URL: fetched through the fetch effect, cached in KV, refetched on an unknown kid at
// most once a minute, and the last good keys keep serving when the provider is down.
test("JWT_JWKS_URL: fetch, KV cache, unknown-kid refetch limit", async () => {
  let fetches = 0;
  let serving = { keys: [keys.jwks.keys[0]] };
  const provider = createServer((req, res) => {
    fetches++;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(serving));
  });
  await new Promise((r) => provider.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${provider.address().port}/.well-known/jwks.json`;
  const w = await startWorker({
    seed: readSeed(),
    vars: {
      ROUTING: "edge",
      JWT_ISSUER: "https://auth.example.com/",
      JWT_AUDIENCE: "memberships-api",
      JWT_JWKS_URL: url,
      JWKS_CACHE_SECONDS: "600",
    },
  });
  try {
    const go = (token) =>
      send(w.url, {
        method: "POST",
        target: "/v1/account-memberships/?account_id=acct_1",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        json: { email: `u${Math.random().toString(36).slice(2)}@example.com` },
      });
    assert.equal((await go(signJwt(RS, claims(), keys.rsa.privateKey))).status, 201);
    assert.equal(fetches, 1);
    assert.equal((await go(signJwt(RS, claims({ sub: "other" }), keys.rsa.privateKey))).status, 201);
    assert.equal(fetches, 1, "keys are cached");
    const cached = await getKey(w.persist, `jwks:${createHash("sha256").update(url).digest("hex")}`);
    assert.ok(cached && JSON.parse(cached).keys.length === 1, "JWKS cached in KV");
    // A new key appears at the provider: the unknown kid triggers one refetch.
    serving = { keys: [keys.jwks.keys[0], keys.jwks.keys[1]] };
    assert.equal((await go(signJwt(ES, claims(), keys.ec.privateKey))).status, 201);
    assert.equal(fetches, 2);
    const unknown = await go(signJwt({ ...RS, kid: "rotated-away" }, claims(), keys.rsa.privateKey));
    assert.equal(unknown.json.error.code, 40113);
    assert.equal(fetches, 2, "at most one refetch a minute");
  } finally {
    await w.stop();
    provider.close();
  }
});

test("JWKS provider down while the keys are stale: one attempt, then the last good keys without waiting", async () => {
  let fetches = 0;
  let up = true;
  const provider = createServer((req, res) => {
    fetches++;
    if (up) {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ keys: [keys.jwks.keys[0]] }));
    } // down: never answers (the edge's timeout ends the attempt)
  });
  await new Promise((r) => provider.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${provider.address().port}/jwks.json`;
  const w = await startWorker({
    seed: readSeed(),
    vars: {
      ROUTING: "edge",
      JWT_ISSUER: "https://auth.example.com/",
      JWT_AUDIENCE: "memberships-api",
      JWT_JWKS_URL: url,
      JWKS_CACHE_SECONDS: "1",
      ORIGIN_TIMEOUT_MS: "3000",
    },
  });
  try {
    const go = (sub) =>
      send(w.url, {
        method: "POST",
        target: "/v1/account-memberships/?account_id=acct_1",
        headers: {
          Authorization: `Bearer ${signJwt(RS, claims({ sub }), keys.rsa.privateKey)}`,
          "Content-Type": "application/json",
        },
        json: { email: `${sub}@example.com` },
      });
    assert.equal((await go("stale-0")).status, 201);
    assert.equal(fetches, 1);
    await new Promise((r) => setTimeout(r, 2200)); // the keys (and their KV copy) are now stale
    up = false;
    assert.equal((await go("stale-1")).status, 201, "the attempt failed; the last good keys answered");
    assert.equal(fetches, 2);
    for (let i = 2; i < 8; i++) {
      // new tokens each time: none is in the verified-token cache
      const started = Date.now();
      assert.equal((await go(`stale-${i}`)).status, 201);
      assert.ok(Date.now() - started < 2500, "a request waited on the failing provider");
    }
    assert.equal(fetches, 2, "a failed refresh counts as an attempt: no fetch for a minute");
  } finally {
    await w.stop();
    provider.closeAllConnections?.();
    provider.close();
  }
});
