// Standard signals to clients through real workerd: the RateLimit fields (parsed with npm
// structured-headers, never with the product's code), per-key and per-account limits, the failure
// mode of a failing limiter, RFC 6750 challenges and RFC 9457 problem details. Every answer is also
// checked against docs/openapi.yaml by send().
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { parseList } from "structured-headers";
import { startWorker, readSeed, send, configVariant, eventually } from "./harness.mjs";
import { makeKeys, signJwt, claims } from "../jwt.mjs";

const DEMO = "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const WILDCARD = "sk_test_wildcard_0000000000000000";
const LIMITED = "sk_test_limited_00000000000000000"; // its record: "rate_limit": {"limit": 2, "period": 60}
const keys = makeKeys();
let worker, bound;

const create = (url, key, json, extra = {}, account = "acct_1") =>
  send(url, {
    method: "POST",
    target: `/v1/account-memberships/?account_id=${account}`,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...extra },
    json,
  });
const unique = () => ({ email: `sig-${Math.random().toString(36).slice(2)}@example.com` });

// RateLimit-Policy / RateLimit as {name: {q, w} | {r, t}}, parsed by structured-headers.
function fields(res, name) {
  const value = res.headers.get(name);
  if (value === null) return null;
  const out = {};
  for (const [item, params] of parseList(value)) out[item] = Object.fromEntries(params);
  return out;
}

before(async () => {
  worker = await startWorker({
    seed: readSeed(),
    vars: {
      ROUTING: "edge",
      RATE_LIMIT_PER_MINUTE: "600",
      RATE_LIMIT_CLAIM: "rate_limit",
      JWT_ISSUER: "https://auth.example.com/",
      JWT_AUDIENCE: "memberships-api",
      JWT_HS256_SECRET: keys.hsSecret,
      JWT_REQUIRED_SCOPE: "memberships:write",
    },
  });
  // The shipped wrangler.toml with its rate-limiting binding declared (Miniflare simulates it).
  const config = configVariant("signals", (t) =>
    t.replace(/^# (\[\[ratelimits\]\]|name = |namespace_id = |simple = )/gm, "$1"),
  );
  bound = await startWorker({
    seed: readSeed(),
    config,
    vars: {
      ROUTING: "edge",
      RATE_LIMIT_BINDING_LIMIT: "600",
      RATE_LIMIT_PERIOD_SECONDS: "60",
      RATE_LIMIT_ACCOUNT_PER_MINUTE: "2",
      RATE_LIMIT_FAILURE_MODE: "closed",
      ALLOW_FAULT_INJECTION: "true",
    },
  });
});
after(async () => {
  await worker?.stop();
  await bound?.stop();
});

test("every answer after the credential is verified carries RateLimit-Policy and RateLimit", async () => {
  const res = await create(worker.url, DEMO, unique());
  assert.equal(res.status, 201, res.text);
  const policy = fields(res, "ratelimit-policy"),
    state = fields(res, "ratelimit");
  assert.deepEqual(policy, { default: { q: 600, w: 60 } });
  assert.ok(Number.isInteger(state.default.r) && state.default.r >= 0 && state.default.r < 600, JSON.stringify(state));
  assert.ok(Number.isInteger(state.default.t) && state.default.t >= 1 && state.default.t <= 60, JSON.stringify(state));
  // A refusal after the limit's step (acct_9 is not granted: 403) carries them too. (Its r is not
  // compared: 600 a minute refill a token every 100 ms between the requests.)
  const refused = await create(worker.url, DEMO, unique(), {}, "acct_9");
  assert.equal(refused.status, 403);
  assert.deepEqual(fields(refused, "ratelimit-policy"), { default: { q: 600, w: 60 } });
  assert.ok(fields(refused, "ratelimit").default.r < 600);
  // A 422 is decided at step 3, before the credential is verified: no fields.
  const invalid = await create(worker.url, DEMO, { email: "not an email" });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.headers.get("ratelimit"), null);
  const unknown = await create(worker.url, "sk_test_unknown_00000000000000000", unique());
  assert.equal(unknown.status, 401);
  assert.equal(unknown.headers.get("ratelimit-policy"), null, "no fields before the credential is verified");
});

test("a key whose record says limit 2 gets 429 on its third request; another key is fine", async () => {
  for (let i = 0; i < 2; i++) {
    const res = await create(worker.url, LIMITED, unique());
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(fields(res, "ratelimit-policy"), { default: { q: 2, w: 60 } });
    assert.equal(fields(res, "ratelimit").default.r, 1 - i);
  }
  const refused = await create(worker.url, LIMITED, unique());
  assert.equal(refused.status, 429, refused.text);
  assert.equal(refused.json.error.code, 42901);
  const { r, t } = fields(refused, "ratelimit").default;
  assert.equal(r, 0);
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= t && t >= 1, `Retry-After ${retryAfter}, t ${t}`);
  const other = await create(worker.url, DEMO, unique());
  assert.equal(other.status, 201, other.text);
  assert.deepEqual(fields(other, "ratelimit-policy"), { default: { q: 600, w: 60 } });
});

test("a JWT's RATE_LIMIT_CLAIM sets its limit; a malformed claim is a malformed token", async () => {
  const token = signJwt(
    { alg: "HS256", typ: "JWT" },
    claims({ sub: "claim-user", rate_limit: { limit: 1, period: 10 } }),
    keys.hsSecret,
  );
  const first = await create(worker.url, token, unique());
  assert.equal(first.status, 201, first.text);
  assert.deepEqual(fields(first, "ratelimit-policy"), { default: { q: 1, w: 10 } });
  const second = await create(worker.url, token, unique());
  assert.equal(second.status, 429);
  assert.ok(Number(second.headers.get("retry-after")) >= fields(second, "ratelimit").default.t);
  const bad = signJwt(
    { alg: "HS256" },
    claims({ sub: "claim-bad", rate_limit: { limit: "1", period: 10 } }),
    keys.hsSecret,
  );
  const res = await create(worker.url, bad, unique());
  assert.equal(res.status, 401);
  assert.equal(res.json.error.code, 40111);
});

test("RFC 6750: invalid_token for a presented credential, none for a missing one, insufficient_scope", async () => {
  const missing = await send(worker.url, {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { "Content-Type": "application/json" },
    json: unique(),
  });
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="api"');
  const revoked = await create(worker.url, "sk_test_revoked_0000000000000000", unique());
  assert.equal(
    revoked.headers.get("www-authenticate"),
    'Bearer realm="api", error="invalid_token", error_description="The API key has been revoked."',
  );
  const forged = await create(
    worker.url,
    signJwt({ alg: "HS256" }, claims(), "another-secret-of-32-bytes-at-least!!"),
    unique(),
  );
  assert.equal(forged.status, 401);
  assert.match(
    forged.headers.get("www-authenticate"),
    /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
  );
  const noScope = await create(
    worker.url,
    signJwt({ alg: "HS256" }, claims({ scope: "openid" }), keys.hsSecret),
    unique(),
  );
  assert.equal(noScope.status, 403);
  assert.equal(noScope.json.error.code, 40303);
  assert.equal(
    noScope.headers.get("www-authenticate"),
    'Bearer realm="api", error="insufficient_scope", scope="memberships:write"',
  );
});

test("RFC 9457: problem details when Accept prefers them, the envelope byte-for-byte otherwise", async () => {
  const body = { email: "x@example.com", permissions: ["read", "Bad", "read"] };
  const plain = await create(worker.url, DEMO, body, { Accept: "application/json, application/problem+json" });
  assert.equal(plain.status, 422);
  assert.equal(plain.headers.get("content-type"), "application/json");
  assert.equal(
    plain.text,
    '{"message":"The request has invalid fields.","success":false,"error":{"code":42201,' +
      '"message":"The request has invalid fields.","details":{"errors":[{"field":"permissions[1]","reason":"invalid_format",' +
      '"message":"Must match ^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$."},{"field":"permissions[2]","reason":"duplicate",' +
      '"message":"Duplicate permission."}]}}}',
  );
  const problem = await create(worker.url, DEMO, body, {
    Accept: "application/json;q=0.5, application/problem+json",
    "X-Request-Id": "problem-1",
  });
  assert.equal(problem.status, 422);
  assert.equal(problem.headers.get("content-type"), "application/problem+json");
  assert.equal(problem.json.type, "https://membership-edge.example/docs/errors.md#42201");
  assert.equal(problem.json.status, 422);
  assert.equal(problem.json.code, 42201);
  assert.equal(problem.json.instance, "problem-1");
  assert.deepEqual(
    problem.json.errors.map((e) => e.pointer),
    ["/permissions/1", "/permissions/2"],
  );
  const excluded = await create(worker.url, DEMO, body, { Accept: "application/problem+json;q=0, */*" });
  assert.equal(excluded.headers.get("content-type"), "application/json");
  const before4 = await send(worker.url, {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Accept: "application/problem+json" },
    json: unique(),
  });
  assert.equal(before4.status, 401);
  assert.equal(before4.json.code, 40101);
  assert.equal(before4.json.title, "A Bearer credential is required.");
});

test("with the binding: its policy, per-account bucket shared by two keys, and a failing limiter closed is 503", async () => {
  const first = await create(bound.url, DEMO, unique(), {}, "acct_2");
  assert.equal(first.status, 201, first.text);
  assert.deepEqual(fields(first, "ratelimit-policy"), { default: { q: 600, w: 60 }, account: { q: 2, w: 60 } });
  assert.equal(fields(first, "ratelimit").account.r, 1);
  const second = await create(bound.url, WILDCARD, unique(), {}, "acct_2");
  assert.equal(second.status, 201, second.text);
  const third = await create(bound.url, DEMO, unique(), {}, "acct_2");
  assert.equal(third.status, 429, third.text);
  const state = fields(third, "ratelimit");
  assert.equal(state.account.r, 0);
  assert.ok(Number(third.headers.get("retry-after")) >= state.account.t);
  const otherAccount = await create(bound.url, DEMO, unique(), {}, "acct_1");
  assert.equal(otherAccount.status, 201, otherAccount.text);

  const failed = await create(bound.url, DEMO, unique(), { "X-Debug-Fault": "rate_limit:throw" });
  assert.equal(failed.status, 503, failed.text);
  assert.equal(failed.json.error.code, 50303);
  assert.equal(failed.headers.get("retry-after"), "60");
  // wrangler relays the worker's log lines after the answer: wait for it (up to 5 s).
  assert.ok(
    await eventually(() => bound.logs.some((l) => l.includes("rate limiter failed") && l.includes("closed"))),
    "the failure is logged",
  );
});
