// The benchmark fixture: configuration, KV seed, keys, and the exact requests every per-request
// benchmark replays (the wasm core under Node: bench/core_bench.mjs; the native core:
// bench/native_bench.cpp). Tokens are signed here, once, with node:crypto; every first-seen JWT
// case gets a distinct token per request (distinct jti and sub), so the core's verified-token
// cache never helps them, and a distinct email per request, so every create answers 201.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bulkEntries } from "../../scripts/seed.mjs";
import { signJwt, b64url } from "../../tests/jwt.mjs";
import { root } from "./paths.mjs";

export const API_KEY = "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
export const ISSUER = "https://auth.example.com/";
export const AUDIENCE = "memberships-api";
export const TARGET = "/v1/account-memberships/?account_id=acct_1";

export function readSeed() {
  return JSON.parse(readFileSync(join(root, "tests", "scenarios", "seed.json"), "utf8"));
}

// Seed entries with the store (mode) each host keys them by: an API key's mode comes from its
// string (SPEC §3), a record's from its key (`account:<mode>:…`).
export function seedEntries(seed = readSeed()) {
  const modeOfKey = {};
  for (const k of Object.keys(seed.api_keys ?? {})) {
    const { key } = bulkEntries({ api_keys: { [k]: {} } })[0];
    modeOfKey[key] = k.includes("_test_") ? "test" : "live";
  }
  return bulkEntries(seed).map(({ key, value }) => ({
    store: modeOfKey[key] ?? key.split(":")[1],
    key,
    value,
  }));
}

export function makeKeys() {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const hsSecret = b64url(Buffer.from("bench-hs256-secret-of-at-least-32-bytes!")).slice(0, 40);
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1", alg: "ES256", use: "sig" },
    ],
  };
  return { rsa, ec, hsSecret, jwks };
}

export function varsFor(keys) {
  return {
    ROUTING: "auto",
    ORIGIN_URL: "https://origin.example.com",
    RATE_LIMIT_PER_MINUTE: "0",
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_JWKS: JSON.stringify(keys.jwks),
    JWT_HS256_SECRET: keys.hsSecret,
    LOG_LEVEL: "info",
  };
}

export function tokenClaims(nowMs, i, tag) {
  const now = Math.floor(nowMs / 1000);
  return {
    iss: ISSUER, aud: AUDIENCE, sub: `bench_${tag}_${i}`, jti: `${tag}-${i}-${now}`,
    iat: now - 10, exp: now + 3 * 3600, scope: "openid memberships:write", account_ids: ["acct_1"], livemode: false,
  };
}

export function signFor(alg, keys, claims) {
  if (alg === "RS256") return signJwt({ alg, typ: "JWT", kid: "rsa-1" }, claims, keys.rsa.privateKey);
  if (alg === "ES256") return signJwt({ alg, typ: "JWT", kid: "ec-1" }, claims, keys.ec.privateKey);
  return signJwt({ alg: "HS256", typ: "JWT" }, claims, keys.hsSecret);
}

export function request(token, body) {
  return {
    method: "POST",
    target: TARGET,
    headers: [
      ["host", "127.0.0.1"],
      ["authorization", `Bearer ${token}`],
      ["content-type", "application/json"],
      ["content-length", String(Buffer.byteLength(body))],
      ["user-agent", "bench"],
    ],
    body,
  };
}

// Every case: warm-up requests (not timed) then timed ones, all expected to answer `expect`.
export function buildFixture({ timed = 10000, warmup = 1000, jwtWarmup = 500 } = {}) {
  const nowMs = Date.now();
  const keys = makeKeys();
  const cases = [];
  const email = (tag, i) => JSON.stringify({ email: `${tag}${i}@bench.example.com`, permissions: ["read"] });
  const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));

  cases.push({
    name: "apikey_create", label: "API-key create (201, records cached)", expect: 201,
    warmup: range(warmup, (i) => request(API_KEY, email("w", i))),
    timed: range(timed, (i) => request(API_KEY, email("t", i))),
  });
  const replayBody = JSON.stringify({ workspace_membership_id: "wsm_1", permissions: ["read"] });
  cases.push({
    name: "apikey_replay", label: "API-key replay (200)", expect: 200,
    // The first warm-up request creates the membership; every later one is a replay.
    warmup: range(warmup, () => request(API_KEY, replayBody)),
    timed: range(timed, () => request(API_KEY, replayBody)),
  });
  for (const alg of ["RS256", "ES256", "HS256"]) {
    const tag = alg.toLowerCase();
    cases.push({
      name: `jwt_${tag}_create`, label: `${alg} JWT create, first-seen token (201)`, expect: 201,
      warmup: range(jwtWarmup, (i) => request(signFor(alg, keys, tokenClaims(nowMs, i, `w${tag}`)), email(`w${tag}_`, i))),
      timed: range(timed, (i) => request(signFor(alg, keys, tokenClaims(nowMs, i, tag)), email(`${tag}_`, i))),
    });
  }
  const repeated = signFor("RS256", keys, tokenClaims(nowMs, 0, "repeat"));
  cases.push({
    name: "jwt_repeat_create", label: "RS256 JWT create, repeated token (cache hit, 201)", expect: 201,
    warmup: range(warmup, (i) => request(repeated, email("wr", i))),
    timed: range(timed, (i) => request(repeated, email("r", i))),
  });
  const invalid = JSON.stringify({ email: "not-an-email", permissions: ["Bad Perm"] });
  cases.push({
    name: "reject_422", label: "422 rejection (no KV, no signature)", expect: 422,
    warmup: range(warmup, () => request(API_KEY, invalid)),
    timed: range(timed, () => request(API_KEY, invalid)),
  });

  return { now_ms: nowMs, vars: varsFor(keys), seed: seedEntries(), cases, keys };
}

// The fixture as the native benchmark reads it (no key objects).
export function fixtureJson(fx) {
  const { keys, ...rest } = fx;
  return JSON.stringify(rest);
}
