// docs/openapi.yaml: lints clean, lists every code of src/errors.h under its status, describes the
// request body as the core reads it, and the validator built on it (tests/openapi.mjs, which checks
// every answer of the worker and WASI tests) refuses wrong answers and accepts right ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, dirname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { errorRows } from "../../scripts/errors-doc.mjs";
import { load, validateAnswer, documentPath } from "../openapi.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { doc, ajv } = load();
const ENDPOINT = "/v1/account-memberships/?account_id=acct_1";
const H = { "Content-Type": "application/json", "X-Request-Id": "req_0123456789abcdefghijklmn" };

const membership = (over = {}) => ({
  object: "account_membership",
  id: "am_4fJ9kQ2mX7pL0sT8vB3nR6cY",
  account_id: "acct_1",
  user_id: "usr_1",
  workspace_membership_id: "wsm_1",
  permissions: ["read"],
  created_at: "2026-11-28T03:07:00Z",
  updated_at: "2026-11-28T03:07:00Z",
  user: { id: "usr_1", email: "ann@example.com", name: "Ann" },
  ...over,
});
const success = (data = membership()) => JSON.stringify({ message: "success", success: true, data });
const failure = (code, details = {}, message = "Some text.") =>
  JSON.stringify({ message, success: false, error: { code, message, details } });
// RFC 9457 problem details for a code, as the product sends them; `over` replaces members
// (undefined removes one).
const problem = (code, over = {}) =>
  JSON.stringify({
    type: `https://membership-edge.example/docs/errors.md#${code}`,
    title: "Some text.",
    status: Math.floor(code / 100),
    detail: "Some text.",
    instance: "req_1",
    code,
    errors: [{ pointer: "/permissions/1", reason: "duplicate", detail: "Duplicate permission." }],
    ...over,
  });
// The headers an answer of this status must carry, as the product sends them.
const headersFor = (status, path = ENDPOINT) => ({
  ...H,
  ...(status === 401 && { "WWW-Authenticate": 'Bearer realm="api"' }),
  ...(status === 429 && {
    "Retry-After": "7",
    "RateLimit-Policy": '"default";q=600;w=60',
    RateLimit: '"default";r=0;t=7',
  }),
  ...(status === 405 && { Allow: path.startsWith("/preview/") ? "GET, HEAD" : "POST, OPTIONS" }),
});
// A well-formed error body for a code (422s list field errors, 40901 names the permissions).
const errorBody = (code) =>
  failure(
    code,
    Math.floor(code / 100) === 422
      ? { errors: [{ field: "email", reason: "invalid_format", message: "Must be a valid email address." }] }
      : code === 40901
        ? { existing_permissions: ["read"] }
        : {},
  );

test("redocly lint: no error, no warning (redocly.yaml, .redocly.lint-ignore.yaml)", () => {
  const r = spawnSync(join(root, "node_modules", ".bin", "redocly"), ["lint", "docs/openapi.yaml", "--format=json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  });
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`).join("\n");
  assert.equal(report.totals.errors, 0, problems);
  assert.equal(report.totals.warnings, 0, problems);
  assert.equal(r.status, 0, r.stderr);
});

test("every schema of the document compiles under ajv's strict 2020-12 mode", () => {
  for (const name of Object.keys(doc.components.schemas)) assert.ok(ajv.getSchema(`openapi#/$defs/${name}`), name);
});

test("ErrorCode<status> lists exactly the codes src/errors.h has for that status", () => {
  const byStatus = new Map();
  for (const r of errorRows()) byStatus.set(r.status, [...(byStatus.get(r.status) ?? []), r.code]);
  for (const [status, codes] of byStatus)
    assert.deepEqual(
      doc.components.schemas[`ErrorCode${status}`]?.enum,
      codes,
      `ErrorCode${status} (run node scripts/errors-doc.mjs)`,
    );
  const documented = Object.keys(doc.components.schemas)
    .filter((n) => /^ErrorCode\d{3}$/.test(n))
    .map((n) => Number(n.slice(9)));
  assert.deepEqual(
    documented.sort(),
    [...byStatus.keys()].sort(),
    "a status in the document that src/errors.h does not have",
  );
});

// Where each status can be answered: an operation, another method, another path, or any request.
const contexts = [
  ["POST", ENDPOINT],
  ["OPTIONS", ENDPOINT],
  ["GET", ENDPOINT],
  ["GET", "/preview/config.json"],
  ["PUT", "/preview/config.json"],
  ["GET", "/v1/elsewhere"],
  ["POST", undefined],
];

test("every code of src/errors.h is accepted under its status, and only there", () => {
  const rows = errorRows();
  for (const r of rows) {
    const accepted = contexts.filter(
      ([method, path]) =>
        validateAnswer({
          method,
          path,
          status: r.status,
          headers: headersFor(r.status, path ?? ""),
          body: errorBody(r.code),
        }).length === 0,
    );
    assert.ok(accepted.length, `${r.code} (${r.name}) is accepted under ${r.status} nowhere`);
    // The same envelope with the code of another status is refused wherever this one was accepted.
    const other = rows.find((o) => o.status !== r.status).code;
    for (const [method, path] of accepted)
      assert.notDeepEqual(
        validateAnswer({
          method,
          path,
          status: r.status,
          headers: headersFor(r.status, path ?? ""),
          body: errorBody(other),
        }),
        [],
        `${other} accepted as a ${r.status} for ${method} ${path}`,
      );
  }
  // And the POST operation documents every status the catalogue has but 405 (another method's).
  const statuses = new Set(rows.map((r) => String(r.status)));
  statuses.delete("405");
  for (const s of statuses) assert.ok(doc.paths["/v1/account-memberships/"].post.responses[s], `POST has no ${s}`);
});

// Each case: [what, answer]; the validator must report at least one problem.
const wrong = [
  [
    "a 201 without data.id",
    {
      status: 201,
      body: (() => {
        const m = membership();
        delete m.id;
        return success(m);
      })(),
    },
  ],
  ["a 201 whose id does not start with am_", { status: 201, body: success(membership({ id: "mem_1" })) }],
  [
    "a 201 with success false",
    { status: 201, body: JSON.stringify({ message: "success", success: false, data: membership() }) },
  ],
  [
    "a 201 without user",
    {
      status: 201,
      body: (() => {
        const m = membership();
        delete m.user;
        return success(m);
      })(),
    },
  ],
  [
    "a 201 with created_at not RFC 3339",
    { status: 201, body: success(membership({ created_at: "28/11/2026 03:07" })) },
  ],
  ["a 201 with null permissions", { status: 201, body: success(membership({ permissions: null })) }],
  ["a 201 that is HTML", { status: 201, headers: { ...H, "Content-Type": "text/html" }, body: "<html></html>" }],
  ["a 201 that is not JSON", { status: 201, body: '{"message":' }],
  ["a 201 without X-Request-Id", { status: 201, headers: { "Content-Type": "application/json" }, body: success() }],
  [
    "a 201 with an X-Request-Id the product never sends",
    { status: 201, headers: { ...H, "X-Request-Id": "a b" }, body: success() },
  ],
  ["a 422 whose details.errors is not an array", { status: 422, body: failure(42201, { errors: { email: "bad" } }) }],
  ["a 422 without details.errors", { status: 422, body: failure(42201) }],
  [
    "a 422 with a field error without reason",
    { status: 422, body: failure(42201, { errors: [{ field: "email", message: "x" }] }) },
  ],
  [
    "a 422 with an unknown reason",
    { status: 422, body: failure(42201, { errors: [{ field: "email", reason: "bad", message: "x" }] }) },
  ],
  ["a 401 whose code is a 403's", { status: 401, headers: headersFor(401), body: failure(40301) }],
  ["a 400 whose code is not in the catalogue", { status: 400, body: failure(40099) }],
  ["a 401 without WWW-Authenticate", { status: 401, body: failure(40103) }],
  ["a 429 without Retry-After", { status: 429, body: failure(42901) }],
  ["a 429 without the RateLimit fields", { status: 429, headers: { ...H, "Retry-After": "7" }, body: failure(42901) }],
  [
    "a 201 with a RateLimit field that is not a list of policies",
    { status: 201, headers: { ...H, RateLimit: "r=1;t=2" }, body: success() },
  ],
  [
    "a 405 with RateLimit fields (never before the credential is verified)",
    {
      method: "DELETE",
      status: 405,
      headers: { ...headersFor(405), "RateLimit-Policy": '"default";q=1;w=1' },
      body: failure(40501),
    },
  ],
  [
    "a 403 with a WWW-Authenticate that is not insufficient_scope",
    { status: 403, headers: { ...H, "WWW-Authenticate": 'Bearer realm="api"' }, body: failure(40303) },
  ],
  [
    "problem details with the type of another code",
    {
      status: 422,
      headers: { ...H, "Content-Type": "application/problem+json" },
      body: problem(42201, { type: "https://membership-edge.example/docs/errors.md#40001" }),
    },
  ],
  [
    "problem details of a 422 without errors",
    {
      status: 422,
      headers: { ...H, "Content-Type": "application/problem+json" },
      body: problem(42201, { errors: undefined }),
    },
  ],
  [
    "an envelope sent as application/problem+json",
    { status: 404, headers: { ...H, "Content-Type": "application/problem+json" }, body: failure(40402) },
  ],
  ["a 429 with Retry-After 0", { status: 429, headers: { ...H, "Retry-After": "0" }, body: failure(42901) }],
  ["a 405 without Allow", { method: "GET", status: 405, body: failure(40501) }],
  [
    "a 405 on the endpoint with config.json's Allow",
    { method: "GET", status: 405, headers: { ...H, Allow: "GET, HEAD" }, body: failure(40501) },
  ],
  ["a 405 to POST on the endpoint", { status: 405, headers: headersFor(405), body: failure(40501) }],
  ["a 409 membership conflict without existing_permissions", { status: 409, body: failure(40901) }],
  ["an error whose details is not an object", { status: 404, body: failure(40402, []) }],
  [
    "an error without error.message",
    { status: 404, body: JSON.stringify({ message: "m", success: false, error: { code: 40402, details: {} } }) },
  ],
  [
    "an error with success true",
    {
      status: 404,
      body: JSON.stringify({ message: "m", success: true, error: { code: 40402, message: "m", details: {} } }),
    },
  ],
  ["a status the product never answers", { status: 418, body: failure(41801) }],
  ["a 200 to the preflight", { method: "OPTIONS", status: 200, body: success() }],
  ["a 204 preflight with a body", { method: "OPTIONS", status: 204, body: "{}" }],
  [
    "Idempotent-Replayed on a 400",
    { status: 400, headers: { ...H, "Idempotent-Replayed": "true" }, body: failure(40001) },
  ],
  [
    "Idempotent-Replayed other than true",
    { status: 201, headers: { ...H, "Idempotent-Replayed": "yes" }, body: success() },
  ],
  ["a 422 on a path the document does not list", { path: "/v1/elsewhere", status: 422, body: errorBody(42201) }],
  [
    "config.json without permission_pattern",
    {
      method: "GET",
      path: "/preview/config.json",
      status: 200,
      body: JSON.stringify({ max_body_bytes: 16384, allowed_permissions: null }),
    },
  ],
  [
    "config.json with allowed_permissions a string",
    {
      method: "GET",
      path: "/preview/config.json",
      status: 200,
      body: JSON.stringify({ max_body_bytes: 16384, allowed_permissions: "read", permission_pattern: "x" }),
    },
  ],
  ["a HEAD on config.json with a body", { method: "HEAD", path: "/preview/config.json", status: 200, body: "{}" }],
  ["an unreadable request answered with another 400 code", { path: undefined, status: 400, body: failure(40001) }],
];
for (const [what, a] of wrong) {
  test(`the validator refuses ${what}`, () => {
    const problems = validateAnswer({ method: "POST", path: ENDPOINT, headers: H, ...a });
    assert.notDeepEqual(problems, [], "accepted");
  });
}

const right = [
  ["a 201 link", { status: 201, body: success() }],
  [
    "a 201 email invitation of someone with no user",
    {
      status: 201,
      body: success(
        membership({
          user_id: null,
          workspace_membership_id: null,
          permissions: [],
          user: { id: null, email: "new@example.com", name: null },
        }),
      ),
    },
  ],
  [
    "a replayed 200 with extra properties and an origin's id",
    {
      status: 200,
      headers: { ...H, "Idempotent-Replayed": "true" },
      body: JSON.stringify({
        message: "success",
        success: true,
        property1: 1,
        data: membership({
          id: "am_origin_1",
          property2: null,
          user: { id: "usr_1", email: "a@b.c", name: "A", property1: 2 },
        }),
      }),
    },
  ],
  [
    "a 201 with CORS headers",
    {
      status: 201,
      headers: {
        ...H,
        "Access-Control-Allow-Origin": "https://app.example.com",
        "Access-Control-Expose-Headers": "X-Request-Id, Idempotent-Replayed, Retry-After, RateLimit, RateLimit-Policy",
        Vary: "Origin",
      },
      body: success(),
    },
  ],
  [
    "a 422 with more_errors",
    {
      status: 422,
      body: failure(42201, {
        more_errors: 3,
        errors: Array.from({ length: 100 }, (_, i) => ({
          field: `permissions[${i}]`,
          reason: "invalid_format",
          message: "Must match.",
        })),
      }),
    },
  ],
  [
    "a 422 of another workspace",
    {
      status: 422,
      body: failure(42202, {
        errors: [
          {
            field: "workspace_membership_id",
            reason: "other_workspace",
            message: "Belongs to another workspace than the account.",
          },
        ],
      }),
    },
  ],
  ["a 409 conflict", { status: 409, body: failure(40901, { existing_permissions: ["read", "write"] }) }],
  ["a 409 reused Idempotency-Key", { status: 409, body: failure(40902) }],
  ["a 401", { status: 401, headers: headersFor(401), body: failure(40114) }],
  ["a 429", { status: 429, headers: headersFor(429), body: failure(42901) }],
  [
    "a 201 with the RateLimit fields of two policies",
    {
      status: 201,
      headers: {
        ...H,
        "RateLimit-Policy": '"default";q=600;w=60, "account";q=100;w=60',
        RateLimit: '"default";r=599;t=1, "account";r=99;t=1',
      },
      body: success(),
    },
  ],
  [
    "a 401 with an RFC 6750 invalid_token challenge",
    {
      status: 401,
      headers: {
        ...H,
        "WWW-Authenticate": 'Bearer realm="api", error="invalid_token", error_description="The token has expired."',
      },
      body: failure(40115),
    },
  ],
  [
    "a 403 with an RFC 6750 insufficient_scope challenge",
    {
      status: 403,
      headers: {
        ...H,
        "WWW-Authenticate": 'Bearer realm="api", error="insufficient_scope", scope="memberships:write"',
      },
      body: failure(40303),
    },
  ],
  [
    "problem details of a 422",
    { status: 422, headers: { ...H, "Content-Type": "application/problem+json" }, body: problem(42201) },
  ],
  [
    "problem details of a 409 conflict",
    {
      status: 409,
      headers: { ...H, "Content-Type": "application/problem+json" },
      body: problem(40901, { errors: undefined, existing_permissions: ["read"] }),
    },
  ],
  [
    "problem details of a 503 of a failing limiter",
    {
      status: 503,
      headers: { ...H, "Content-Type": "application/problem+json", "Retry-After": "60" },
      body: problem(50303, { errors: undefined }),
    },
  ],
  ["a 504 from a timed-out origin", { status: 504, body: failure(50401) }],
  ["a 405 on the endpoint", { method: "DELETE", status: 405, headers: headersFor(405), body: failure(40501) }],
  [
    "a 405 on config.json",
    {
      method: "POST",
      path: "/preview/config.json",
      status: 405,
      headers: headersFor(405, "/preview/config.json"),
      body: failure(40501),
    },
  ],
  ["a 404 on another path", { method: "GET", path: "/favicon.ico", status: 404, body: failure(40401) }],
  [
    "a 204 preflight from an allowed origin",
    {
      method: "OPTIONS",
      status: 204,
      body: "",
      headers: {
        ...H,
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Max-Age": "600",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, X-Request-Id",
      },
    },
  ],
  [
    "a 204 preflight with no allowed origin",
    { method: "OPTIONS", status: 204, body: "", headers: { ...H, Allow: "POST, OPTIONS" } },
  ],
  [
    "config.json",
    {
      method: "GET",
      path: "/preview/config.json",
      status: 200,
      headers: { ...H, "Cache-Control": "max-age=60" },
      body: JSON.stringify({
        max_body_bytes: 1024,
        allowed_permissions: ["read", "write"],
        permission_pattern: "^[a-z]+$",
      }),
    },
  ],
  ["HEAD config.json", { method: "HEAD", path: "/preview/config.json", status: 200, body: "" }],
  ["a 431 on any path", { method: "GET", path: "/anything", status: 431, body: failure(43101) }],
  ["a 500 configuration error on the preflight", { method: "OPTIONS", status: 500, body: failure(50002) }],
  ["the WASI command's unreadable request", { path: undefined, status: 400, body: failure(40009) }],
];
for (const [what, a] of right) {
  test(`the validator accepts ${what}`, () => {
    assert.deepEqual(validateAnswer({ method: "POST", path: ENDPOINT, headers: H, ...a }), []);
  });
}

test("the request body schema: exactly one of workspace_membership_id and email, as the core reads it", () => {
  const valid = ajv.getSchema("openapi#/$defs/CreateAccountMembershipRequest");
  const ok = [
    { workspace_membership_id: "wsm_1" },
    { email: "ann@example.com", permissions: ["read", "billing:write"] },
    { workspace_membership_id: "é".repeat(128) },
    { email: "a@b", permissions: [] },
  ];
  const bad = [
    {},
    { permissions: [] },
    { workspace_membership_id: "wsm_1", email: "ann@example.com" },
    { email: "ann@example.com", extra: 1 },
    { workspace_membership_id: "" },
    { workspace_membership_id: "é".repeat(129) },
    { workspace_membership_id: null },
    { email: "not an email" },
    { email: "a@b", permissions: ["read", "read"] },
    { email: "a@b", permissions: ["Read"] },
    { email: "a@b", permissions: Array.from({ length: 101 }, (_, i) => `p${i}`) },
    { email: "a@b", permissions: null },
    [],
  ];
  for (const body of ok) assert.ok(valid(body), `${JSON.stringify(body)}: ${JSON.stringify(valid.errors)}`);
  for (const body of bad) assert.ok(!valid(body), `${JSON.stringify(body).slice(0, 80)} accepted`);
});

test("the reference stands alone: every relative link of README.md and docs/api.md is a file of the repository", () => {
  for (const f of ["README.md", "docs/api.md"]) {
    for (const [, target] of readFileSync(join(root, f), "utf8").matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // http(s): and the like
      const file = resolve(root, dirname(f), target);
      assert.ok(
        file.startsWith(root + sep) && existsSync(file),
        `${f} links ${target}, which is not in the repository`,
      );
    }
  }
  assert.ok(readFileSync(documentPath, "utf8").startsWith("openapi: 3.1"));
});
