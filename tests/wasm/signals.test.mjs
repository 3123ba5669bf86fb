// Standard signals through the WASI command (node:wasi): the RateLimit fields parsed with npm
// structured-headers, a key's own limit, the rate_limit:throw fault under both failure modes, and
// RFC 9457 problem details. runCli() checks every answer against docs/openapi.yaml.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseList } from "structured-headers";
import { runCli, rawRequest, parseResponse, seedKvDir, tempDir, root } from "./wasi_runner.mjs";
import { bulkEntries } from "../../scripts/seed.mjs";

const seed = bulkEntries(JSON.parse(readFileSync(join(root, "tests", "scenarios", "seed.json"), "utf8")));
const DEMO = "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const LIMITED = "sk_test_limited_00000000000000000"; // "rate_limit": {"limit": 2, "period": 60}

const request = (key, json, headers = {}) => ({
  method: "POST",
  target: "/v1/account-memberships/?account_id=acct_1",
  headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
  json,
});
const fields = (value) =>
  value === null || value === undefined
    ? null
    : Object.fromEntries(parseList(value).map(([item, params]) => [item, Object.fromEntries(params)]));

async function once(r, env = {}) {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const out = await runCli(rawRequest(r), { env: { ROUTING: "edge", ...env }, kvDir: kv });
  assert.equal(out.exitCode, 0, out.stderr);
  return { ...parseResponse(out.stdout), stderr: out.stderr };
}

test("RateLimit-Policy and RateLimit on an answer after the credential is verified", async () => {
  const res = await once(request(DEMO, { email: "w1@example.com" }), { RATE_LIMIT_PER_MINUTE: "120" });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(fields(res.header("ratelimit-policy")), { default: { q: 120, w: 60 } });
  assert.deepEqual(fields(res.header("ratelimit")), { default: { r: 119, t: 1 } });
});

test("a key's own limit: the third request of one process is 429 with Retry-After >= t", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const line = (key, email) => {
    const r = request(key, { email });
    return JSON.stringify({
      method: r.method,
      target: r.target,
      headers: Object.entries(r.headers),
      body: JSON.stringify(r.json),
    });
  };
  const input =
    [
      line(LIMITED, "w2@example.com"),
      line(LIMITED, "w3@example.com"),
      line(LIMITED, "w4@example.com"),
      line(DEMO, "w5@example.com"),
    ].join("\n") + "\n";
  const out = await runCli(input, { args: ["--ndjson"], env: { ROUTING: "edge" }, kvDir: kv });
  const answers = out.stdout
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    answers.map((a) => a.status),
    [201, 201, 429, 201],
  );
  const header = (a, name) => a.headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
  assert.deepEqual(fields(header(answers[0], "ratelimit-policy")), { default: { q: 2, w: 60 } });
  const { r, t } = fields(header(answers[2], "ratelimit")).default;
  assert.equal(r, 0);
  assert.ok(Number(header(answers[2], "retry-after")) >= t, `Retry-After ${header(answers[2], "retry-after")}, t ${t}`);
  assert.deepEqual(fields(header(answers[3], "ratelimit-policy")), { default: { q: 600, w: 60 } });
});

test("FAULTS=rate_limit:throw: open allows and logs, closed answers 503 with Retry-After", async () => {
  const faults = { ALLOW_FAULT_INJECTION: "true", FAULTS: "rate_limit:throw" };
  const open = await once(request(DEMO, { email: "w6@example.com" }), faults);
  assert.equal(open.status, 201, open.text);
  assert.deepEqual(fields(open.header("ratelimit-policy")), { default: { q: 600, w: 60 } });
  assert.equal(open.header("ratelimit"), null);
  assert.match(open.stderr, /rate limiter failed.*allowed, RATE_LIMIT_FAILURE_MODE=open/);
  const closed = await once(request(DEMO, { email: "w7@example.com" }), {
    ...faults,
    RATE_LIMIT_FAILURE_MODE: "closed",
  });
  assert.equal(closed.status, 503, closed.text);
  assert.equal(closed.json.error.code, 50303);
  assert.equal(closed.header("retry-after"), "60");
  assert.match(closed.stderr, /rate limiter failed.*refused, RATE_LIMIT_FAILURE_MODE=closed/);
});

test("problem details when Accept prefers them; the envelope otherwise", async () => {
  const body = { email: "w8@example.com", permissions: ["read", "read"] };
  const problem = await once(request(DEMO, body, { Accept: "application/problem+json", "X-Request-Id": "wasi-1" }));
  assert.equal(problem.status, 422);
  assert.equal(problem.header("content-type"), "application/problem+json");
  assert.deepEqual(problem.json, {
    type: "https://membership-edge.example/docs/errors.md#42201",
    title: "The request has invalid fields.",
    status: 422,
    detail: "1 field error(s).",
    instance: "wasi-1",
    code: 42201,
    errors: [{ pointer: "/permissions/1", reason: "duplicate", detail: "Duplicate permission." }],
  });
  const plain = await once(request(DEMO, body, { Accept: "application/problem+json;q=0.5, application/json" }));
  assert.equal(plain.header("content-type"), "application/json");
  assert.equal(plain.json.error.details.errors[0].field, "permissions[1]");
});
