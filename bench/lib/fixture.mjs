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

// The scenario seed, plus `links` workspace memberships of acct_1's workspace (wsm_bench_<i>, user
// usr_bench_<i>) so that a workspace-link create can be a new membership per request.
export function readSeed({ links = 0 } = {}) {
  const seed = JSON.parse(readFileSync(join(root, "tests", "scenarios", "seed.json"), "utf8"));
  for (let i = 0; i < links; i++)
    seed.records[`workspace_membership:test:${linkId(i)}`] = {
      id: linkId(i),
      workspace_id: "ws_1",
      user: { id: `usr_bench_${i}`, email: `member${i}@bench.example.com`, name: `Member ${i}` },
    };
  return seed;
}
export const linkId = (i) => `wsm_bench_${i}`;

// Seed entries with the store (mode) each host keys them by: an API key's mode comes from its
// string (docs/api.md), a record's from its key (`account:<mode>:…`).
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
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `bench_${tag}_${i}`,
    jti: `${tag}-${i}-${now}`,
    iat: now - 10,
    exp: now + 3 * 3600,
    scope: "openid memberships:write",
    account_ids: ["acct_1"],
    livemode: false,
  };
}

export function signFor(alg, keys, claims) {
  if (alg === "RS256") return signJwt({ alg, typ: "JWT", kid: "rsa-1" }, claims, keys.rsa.privateKey);
  if (alg === "ES256") return signJwt({ alg, typ: "JWT", kid: "ec-1" }, claims, keys.ec.privateKey);
  return signJwt({ alg: "HS256", typ: "JWT" }, claims, keys.hsSecret);
}

export function request(token, body, target = TARGET) {
  return {
    method: "POST",
    target,
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
// `host` says how the host around the core is set up, as the worker sets it up:
//   writeAuthority  the ACCOUNT_STORE binding is there (the shipped wrangler.toml): creates are
//                   kv_put_if_absent effects (the harnesses answer them from their map)
//   webCrypto       the worker's WebCrypto path: RS256/ES256 signatures are verify_signature effects,
//                   performed by host-shims/workers/signatures.mjs on Node's crypto.subtle (the wasm
//                   harness only; the native harness skips these cases)
// `scenario` names the docs/benchmarks.md KV-rounds scenario a case stands for; `refusal` marks the cases
// refused at steps 1-3 of the order of checks (docs/api.md).
// `only`: the names of the cases to keep (all by default); the JWT cases left out are never signed.
export function buildFixture({ timed = 10000, warmup = 1000, jwtWarmup = 500, only = null } = {}) {
  const nowMs = Date.now();
  const keys = makeKeys();
  const cases = [];
  const email = (tag, i) => JSON.stringify({ email: `${tag}${i}@bench.example.com`, permissions: ["read"] });
  const link = (i) => JSON.stringify({ workspace_membership_id: linkId(i), permissions: ["read"] });
  const range = (n, f) => Array.from({ length: n }, (_, i) => f(i));
  const DO = { writeAuthority: true };

  cases.push({
    name: "apikey_create",
    label: "API-key create, email invite (201), KV alone",
    expect: 201,
    scenario: "email_create",
    warmup: range(warmup, (i) => request(API_KEY, email("w", i))),
    timed: range(timed, (i) => request(API_KEY, email("t", i))),
  });
  cases.push({
    name: "apikey_create_do",
    label: "API-key create, email invite (201), Durable Object authority (as shipped)",
    expect: 201,
    host: DO,
    scenario: "email_create",
    warmup: range(warmup, (i) => request(API_KEY, email("wd", i))),
    timed: range(timed, (i) => request(API_KEY, email("td", i))),
  });
  // Workspace link creates. Warm caches: each workspace membership was read (and cached) a moment
  // before by a link of the same member to acct_2 (same workspace), so the membership key is known
  // at once. Cold: a workspace membership not seen before, whose record must be read before the
  // membership key (it holds the user id) can be: two read rounds, as the key layout requires.
  const acct2 = TARGET.replace("acct_1", "acct_2");
  cases.push({
    name: "link_create_do",
    label: "API-key create, workspace link (201), workspace membership cached, Durable Object authority",
    expect: 201,
    host: DO,
    scenario: "link_create",
    warmup: [
      ...range(warmup, (i) => request(API_KEY, link(i))),
      ...range(timed, (i) => request(API_KEY, link(warmup + i), acct2)),
    ],
    timed: range(timed, (i) => request(API_KEY, link(warmup + i))),
  });
  cases.push({
    name: "link_create_cold_do",
    label: "API-key create, workspace link (201), workspace membership not cached, Durable Object authority",
    expect: 201,
    host: DO,
    scenario: "link_create_cold",
    warmup: range(warmup, (i) => request(API_KEY, link(i))),
    timed: range(timed, (i) => request(API_KEY, link(warmup + i))),
  });
  const replayBody = JSON.stringify({ workspace_membership_id: "wsm_1", permissions: ["read"] });
  cases.push({
    name: "apikey_replay",
    label: "API-key replay, workspace link (200)",
    expect: 200,
    host: DO,
    scenario: "link_replay",
    // The first warm-up request creates the membership; every later one is a replay.
    warmup: range(warmup, () => request(API_KEY, replayBody)),
    timed: range(timed, () => request(API_KEY, replayBody)),
  });
  const emailReplay = JSON.stringify({ email: "replay@bench.example.com", permissions: ["read"] });
  cases.push({
    name: "email_replay",
    label: "API-key replay, email invite (200)",
    expect: 200,
    host: DO,
    scenario: "email_replay",
    warmup: range(warmup, () => request(API_KEY, emailReplay)),
    timed: range(timed, () => request(API_KEY, emailReplay)),
  });
  for (const alg of ["RS256", "ES256", "HS256"]) {
    const tag = alg.toLowerCase();
    const variants =
      alg === "HS256"
        ? [["", {}, "in the wasm"]]
        : [
            ["", {}, "BearSSL in the wasm"],
            ["_webcrypto", { webCrypto: true }, "WebCrypto (worker path)"],
          ];
    for (const [suffix, host, how] of variants) {
      if (only && !only.has(`jwt_${tag}_create${suffix}`)) continue;
      cases.push({
        name: `jwt_${tag}_create${suffix}`,
        label: `${alg} JWT create, first-seen token (201), ${how}`,
        expect: 201,
        host,
        warmup: range(jwtWarmup, (i) =>
          request(signFor(alg, keys, tokenClaims(nowMs, i, `w${tag}${suffix}`)), email(`w${tag}${suffix}_`, i)),
        ),
        timed: range(timed, (i) =>
          request(signFor(alg, keys, tokenClaims(nowMs, i, `${tag}${suffix}`)), email(`${tag}${suffix}_`, i)),
        ),
      });
    }
  }
  const repeated = signFor("RS256", keys, tokenClaims(nowMs, 0, "repeat"));
  cases.push({
    name: "jwt_repeat_create",
    label: "RS256 JWT create, repeated token (cache hit, 201)",
    expect: 201,
    warmup: range(warmup, (i) => request(repeated, email("wr", i))),
    timed: range(timed, (i) => request(repeated, email("r", i))),
  });
  // Refused at steps 1-3 (docs/api.md): no storage, no signature.
  const okBody = JSON.stringify({ email: "ann@example.com", permissions: ["read"] });
  const refusal = (name, label, expect, make) =>
    cases.push({ name, label, expect, refusal: true, warmup: range(warmup, make), timed: range(timed, make) });
  refusal("reject_404", "404, unknown path (step 1)", 404, () => ({
    ...request(API_KEY, okBody),
    target: "/v1/accounts/?account_id=acct_1",
  }));
  refusal("reject_401", "401, malformed credential (step 2)", 401, () => request("not-a-credential", okBody));
  const noneJwt = `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(tokenClaims(nowMs, 0, "none")))}.`;
  refusal("reject_401_jwt", "401, JWT with alg none (step 2)", 401, () => request(noneJwt, okBody));
  refusal("reject_403_pk", "403, publishable key (step 2)", 403, () =>
    request("pk_test_demo_TYooMQauvdEDq54NiTphI7jx", okBody),
  );
  refusal("reject_415", "415, text/plain body (step 3)", 415, () => {
    const r = request(API_KEY, okBody);
    return { ...r, headers: r.headers.map(([k, v]) => [k, k === "content-type" ? "text/plain" : v]) };
  });
  refusal("reject_400", "400, body not JSON (step 3)", 400, () => request(API_KEY, '{"email":"ann@example.com",'));
  const invalid = JSON.stringify({ email: "not-an-email", permissions: ["Bad Perm"] });
  refusal("reject_422", "422, two field errors (step 3)", 422, () => request(API_KEY, invalid));
  // The largest refusal: a body near MAX_BODY_BYTES (16 KiB) whose 1500 permissions are all invalid
  // (at most 100 field errors are listed).
  const large = JSON.stringify({
    email: "ann@example.com",
    permissions: Array.from({ length: 1500 }, (_, i) => `Bad-${i}`),
  });
  refusal(
    "reject_422_large",
    `422, ${Buffer.byteLength(large)}-byte body, 1500 invalid permissions (step 3)`,
    422,
    () => request(API_KEY, large),
  );

  const kept = only ? cases.filter((c) => only.has(c.name)) : cases;
  return {
    now_ms: nowMs,
    vars: varsFor(keys),
    seed: seedEntries(readSeed({ links: warmup + timed })),
    cases: kept,
    keys,
  };
}

// The fixture as the native benchmark reads it (no key objects).
export function fixtureJson(fx) {
  const { keys, ...rest } = fx;
  return JSON.stringify(rest);
}
