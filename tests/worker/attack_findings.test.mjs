// Findings of a live attack on the worker, through real workerd (wrangler dev): a repeated
// Idempotency-Key (two header lines, which the Workers Headers object joins into "a, b"), the IETF
// draft's structured-field string form of the key (checked with npm structured-headers), a chunked
// body far over MAX_BODY_BYTES (413, and the worker keeps answering), "*" mixed into an account
// list, and the JWT lifetime bound and explicit typing with real signed tokens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { parseItem, serializeItem } from "structured-headers";
import { startWorker, readSeed, send } from "./harness.mjs";
import { assertAnswer } from "../openapi.mjs";
import { makeKeys, signJwt, claims } from "../jwt.mjs";

const KEY = "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const MIXED_KEY = "sk_test_mixed_grant_000000000000";
const keys = makeKeys();
const AT = { alg: "RS256", typ: "at+jwt", kid: "rsa-1" };
let worker;

before(async () => {
  const seed = readSeed();
  seed.api_keys[MIXED_KEY] = {
    id: "key_mixed",
    type: "secret",
    mode: "test",
    account_ids: ["acct_9", "*"],
    revoked: false,
    expires_at: null,
  };
  worker = await startWorker({
    seed,
    vars: {
      ROUTING: "edge",
      JWT_ISSUER: "https://auth.example.com/",
      JWT_AUDIENCE: "memberships-api",
      JWT_JWKS: JSON.stringify(keys.jwks),
      JWT_MAX_LIFETIME_SECONDS: "3600",
      JWT_REQUIRED_TYP: "at+jwt",
    },
  });
});
after(async () => {
  await worker?.stop();
});

const target = (account = "acct_1") => `/v1/account-memberships/?account_id=${account}`;
const uniqueEmail = (tag) => `${tag}-${Math.random().toString(36).slice(2)}@example.com`;

const create = (headers, json, account) =>
  send(worker.url, {
    method: "POST",
    target: target(account),
    headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json", ...headers },
    json,
  });

// A request through node:http on a connection of its own, whose header lines are sent as given
// (fetch would join a repeated one itself) and whose body is sent chunked (no Content-Length).
function raw({ headers, chunks = [], body }) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${worker.url}${target()}`, {
      method: "POST",
      headers: [["Host", new URL(worker.url).host], ...headers].flat(),
      agent: false,
      timeout: 30000,
    });
    req.on("response", (res) => {
      const parts = [];
      res.on("data", (d) => parts.push(d));
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        assertAnswer({
          method: "POST",
          path: target(),
          status: res.statusCode,
          headers: new Headers(res.headers),
          body: text,
        });
        resolve({ status: res.statusCode, text, json: JSON.parse(text) });
      });
    });
    req.on("timeout", () => req.destroy(new Error("no answer in 30 s")));
    req.on("error", (err) => {
      if (!req.res) reject(err);
    }); // a write after the answer may fail
    (async () => {
      for (const c of chunks) {
        if (req.destroyed) return;
        if (!req.write(c))
          await new Promise((r) => {
            req.once("drain", r);
            req.once("close", r);
          }).finally(() => {
            req.removeAllListeners("drain");
            req.removeAllListeners("close");
          });
      }
      req.end(body);
    })();
  });
}

test("two Idempotency-Key lines are 400 40008 through workerd, as in the WASI command", async () => {
  const body = JSON.stringify({ email: uniqueEmail("twice") });
  for (const pair of [
    ["a", "b"],
    ["same", "same"],
    ['"a"', '"b"'],
    ["a", ""],
  ]) {
    const res = await raw({
      headers: [
        ["Authorization", `Bearer ${KEY}`],
        ["Content-Type", "application/json"],
        ["Idempotency-Key", pair[0]],
        ["Idempotency-Key", pair[1]],
      ],
      body,
    });
    assert.equal(res.status, 400, `${pair}: ${res.text}`);
    assert.equal(res.json.error.code, 40008);
  }
  // One line: the key is used.
  const once = await raw({
    headers: [
      ["Authorization", `Bearer ${KEY}`],
      ["Content-Type", "application/json"],
      ["Idempotency-Key", `once-${Date.now()}`],
    ],
    body,
  });
  assert.equal(once.status, 201, once.text);
});

test("the sf-string form of an Idempotency-Key is the same key: same record, same replay", async () => {
  const key = `sf-${Date.now()}`;
  const json = { email: uniqueEmail("sf") };
  const quoted = serializeItem([key, new Map()]); // what a client library of the draft sends
  assert.equal(quoted, `"${key}"`);
  const first = await create({ "Idempotency-Key": quoted }, json);
  assert.equal(first.status, 201, first.text);
  assert.equal(first.headers.get("idempotent-replayed"), null);
  const bare = await create({ "Idempotency-Key": key }, json);
  assert.equal(bare.status, 201);
  assert.equal(bare.headers.get("idempotent-replayed"), "true");
  assert.equal(bare.json.data.id, first.json.data.id);
  const other = await create({ "Idempotency-Key": quoted }, { email: uniqueEmail("sf-other") });
  assert.equal(other.status, 409);
  assert.equal(other.json.error.code, 40902);
});

test("a quoted Idempotency-Key is accepted exactly when RFC 9651 reads it as a plain string of key characters", async () => {
  const keyChars = /^[ !#-+\--\[\]-~]{1,255}$/; // printable ASCII but '"', '\' and ','
  const values = [
    '"ok-1"',
    '"a b"',
    '""',
    '"abc',
    '"a"b"',
    '"a\\"b"',
    '"a\\\\b"',
    '"a\\b"',
    '"a,b"',
    '"a";p=1',
    '"a" "b"',
    `"${"k".repeat(255)}"`,
    `"${"k".repeat(256)}"`,
  ];
  for (const value of values) {
    let expected;
    try {
      const [item, params] = parseItem(value);
      expected = typeof item === "string" && params.size === 0 && keyChars.test(item);
    } catch {
      expected = false; // malformed per RFC 9651
    }
    const res = await create({ "Idempotency-Key": value }, { email: uniqueEmail("sfq") });
    if (expected) assert.equal(res.status, 201, `${value}: ${res.text}`);
    else {
      assert.equal(res.status, 400, `${value}: ${res.text}`);
      assert.equal(res.json.error.code, 40008);
    }
  }
});

test("a chunked body of 2 MB is 413 through workerd, and the worker keeps answering (5 rounds)", async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x20); // spaces: whitespace a JSON reader would skip
  for (let round = 0; round < 5; ++round) {
    const big = await raw({
      headers: [
        ["Authorization", `Bearer ${KEY}`],
        ["Content-Type", "application/json"],
      ],
      chunks: Array.from({ length: 32 }, () => chunk),
      body: "{}",
    });
    assert.equal(big.status, 413, `round ${round}: ${big.text}`);
    assert.equal(big.json.error.code, 41301);
    const next = await raw({
      headers: [
        ["Authorization", `Bearer ${KEY}`],
        ["Content-Type", "application/json"],
      ],
      body: JSON.stringify({ email: uniqueEmail(`after-413-${round}`) }),
    });
    assert.equal(next.status, 201, `round ${round}, the next request: ${next.text}`);
  }
  // 17 MiB: read to its end too; the next request, sent at once, is answered.
  const huge = await raw({
    headers: [
      ["Authorization", `Bearer ${KEY}`],
      ["Content-Type", "application/json"],
    ],
    chunks: Array.from({ length: 272 }, () => chunk),
    body: "{}",
  });
  assert.equal(huge.status, 413, huge.text);
  const after = await raw({
    headers: [
      ["Authorization", `Bearer ${KEY}`],
      ["Content-Type", "application/json"],
    ],
    body: JSON.stringify({ email: uniqueEmail("after-17-mib") }),
  });
  assert.equal(after.status, 201, after.text);
  // Within the limit, a chunked body is read whole.
  const small = await raw({
    headers: [
      ["Authorization", `Bearer ${KEY}`],
      ["Content-Type", "application/json"],
    ],
    chunks: [Buffer.from(`{"email":"${uniqueEmail("chunked")}"`)],
    body: "}",
  });
  assert.equal(small.status, 201, small.text);
});

test('an account list mixing "*" with ids is 401 40107, for an API key record and a JWT claim', async () => {
  for (const account of ["acct_1", "acct_2", "acct_9"]) {
    const res = await create({ Authorization: `Bearer ${MIXED_KEY}` }, { email: uniqueEmail("mixed") }, account);
    assert.equal(res.status, 401, `${account}: ${res.text}`);
    assert.equal(res.json.error.code, 40107);
    assert.match(res.headers.get("www-authenticate"), /^Bearer/);
  }
  const mixed = signJwt(AT, claims({ account_ids: ["acct_9", "*"] }), keys.rsa.privateKey);
  const res = await create({ Authorization: `Bearer ${mixed}` }, { email: uniqueEmail("jwt-mixed") }, "acct_2");
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json.error.code, 40107);
  const every = signJwt(AT, claims({ account_ids: ["*"] }), keys.rsa.privateKey);
  assert.equal(
    (await create({ Authorization: `Bearer ${every}` }, { email: uniqueEmail("jwt-every") }, "acct_2")).status,
    201,
  );
});

test("JWT_REQUIRED_TYP=at+jwt: at+jwt in any case, with or without application/, passes; JWT or none is 401 40123", async () => {
  for (const typ of ["at+jwt", "AT+JWT", "application/at+jwt"]) {
    const token = signJwt({ ...AT, typ }, claims(), keys.rsa.privateKey);
    const res = await create({ Authorization: `Bearer ${token}` }, { email: uniqueEmail("typ") });
    assert.equal(res.status, 201, `${typ}: ${res.text}`);
  }
  for (const typ of ["JWT", undefined, "application/jwt"]) {
    const token = signJwt({ alg: "ES256", kid: "ec-1", typ }, claims(), keys.ec.privateKey);
    const res = await create({ Authorization: `Bearer ${token}` }, { email: uniqueEmail("typ-bad") });
    assert.equal(res.status, 401, `${typ}: ${res.text}`);
    assert.equal(res.json.error.code, 40123);
  }
});

test("JWT_MAX_LIFETIME_SECONDS=3600: exp - iat over it (exp 1e300 included) is 401 40122, no iat is 401 40120", async () => {
  const now = Math.floor(Date.now() / 1000);
  const answer = async (overrides) => {
    const token = signJwt(AT, claims(overrides), keys.rsa.privateKey);
    return create({ Authorization: `Bearer ${token}` }, { email: uniqueEmail("life") });
  };
  assert.equal((await answer({ iat: now - 60, exp: now - 60 + 3600 })).status, 201);
  for (const overrides of [
    { iat: now - 60, exp: now - 60 + 3601 },
    { iat: now, exp: 1e300 },
  ]) {
    const res = await answer(overrides);
    assert.equal(res.status, 401, `${JSON.stringify(overrides)}: ${res.text}`);
    assert.equal(res.json.error.code, 40122);
  }
  const noIat = await answer({ iat: undefined, exp: now + 60 });
  assert.equal(noIat.status, 401);
  assert.equal(noIat.json.error.code, 40120);
});
