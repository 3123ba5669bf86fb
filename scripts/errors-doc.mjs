#!/usr/bin/env node
// Writes, from the catalogue in src/errors.h (the one table of error codes): docs/errors.md, the
// code table of docs/api.md (between <!-- errors:begin --> and <!-- errors:end -->), and the
// ErrorCode<status> and FieldErrorReason schemas of docs/openapi.yaml (between "# errors:begin" and
// "# errors:end"). tests/docs/ fails when any of them disagrees with the table.
import { readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The `type` of a problem-details answer is this base and the code: the code's anchor below
// (kProblemTypeBase in src/problem_details.h; a test checks they agree).
export const PROBLEM_TYPE_BASE = "https://membership-edge.example/docs/errors.md#";

// When each error is answered, in words for operators and callers.
const WHEN = {
  invalid_json:
    "The body is not JSON (syntax error, trailing data, empty body, a NUL or control character in a string, a lone surrogate escape such as `\\ud800`).",
  invalid_utf8: "The body has bytes that are not UTF-8 (including overlong forms and encoded surrogates).",
  body_not_object: "The body is JSON but not an object (an array, a string, a number...).",
  duplicate_key: "A key appears twice in any object of the body, at any depth.",
  too_deep: "Arrays/objects nested deeper than 32 levels.",
  missing_account_id: "No `account_id` query parameter, or an empty one.",
  invalid_account_id: "`account_id` repeated, badly percent-encoded, or not 1-128 characters of `[A-Za-z0-9_-]`.",
  invalid_idempotency_key:
    '`Idempotency-Key` sent twice (also as one line joined by a comma, as the Workers runtime joins repeated lines), empty, longer than 255, a malformed quoted string, or a character outside printable ASCII or one of `"`, `\\`, `,`.',
  invalid_content_length:
    "`Content-Length` is sent twice, or is not a plain decimal number (one larger than `MAX_BODY_BYTES` is 413, however many digits it has).",
  malformed_request:
    "The WASI command could not parse the HTTP request on stdin (the worker never sees such requests: workerd refuses them).",
  missing_credential: "No `Authorization` header, another scheme than Bearer, or an empty token.",
  malformed_credential:
    "More than one `Authorization` header, a token with spaces or commas, or a token that is neither a JWT nor has `sk_`/`pk_` in its first 32 characters.",
  unknown_api_key: "No `apikey:<sha256>` record for this key in the key's mode.",
  revoked_api_key: "The key's record has `revoked: true`.",
  expired_api_key: "The key's record has an `expires_at` in the past.",
  api_key_mismatch:
    "The record's `type` or `mode` disagrees with the key string (e.g. a `sk_test_` key whose record says live).",
  invalid_account_list:
    'An API key record\'s `account_ids` or a JWT\'s `account_ids` claim holds `"*"` beside other entries (`["acct_9","*"]`): `"*"` grants every account only as `["*"]`, and a list mixing it is an invalid credential, never every account.',
  jwt_not_configured: "A JWT, but `JWT_ISSUER`, `JWT_AUDIENCE` and a key source are not all set.",
  jwt_malformed:
    "A JWT with a bad base64url segment (padding, other characters, non-canonical tail), a payload that is not a JSON object, no `alg`, or a claim of the wrong type.",
  jwt_unsupported_alg:
    "`alg` is not RS256/ES256/HS256 with key material configured for it (`none` in any spelling is always refused).",
  jwt_unknown_key:
    "No configured key matches the token's `kid` and algorithm (after at most one JWKS refetch a minute).",
  jwt_bad_signature: "The signature does not verify (tampered, truncated, wrong key, r=s=0...).",
  jwt_expired: "`exp` plus `JWT_LEEWAY_SECONDS` is not in the future.",
  jwt_not_yet_valid: "`nbf` is later than now plus the leeway.",
  jwt_issued_in_future: "`iat` is later than now plus the leeway.",
  jwt_wrong_issuer: "`iss` is not `JWT_ISSUER`.",
  jwt_wrong_audience: "`aud` (string or array) does not contain `JWT_AUDIENCE`.",
  jwt_missing_claim:
    "No `exp`, or no, an empty or a longer than 256 characters `sub`, or no `iat` while `JWT_MAX_LIFETIME_SECONDS` is set.",
  jwt_critical_header:
    "The JWT header has `crit` (RFC 7515 §4.1.11): this service understands no extension, so none may be critical (`b64: false` included).",
  jwt_lifetime_too_long: "`JWT_MAX_LIFETIME_SECONDS` is set and the token's `exp` minus `iat` exceeds it.",
  jwt_wrong_type:
    "`JWT_REQUIRED_TYP` is set and the token's `typ` header is absent or names another media type (compared case-insensitively, `application/` optional).",
  publishable_key:
    "A `pk_` key: publishable keys may never create memberships (answered before the body is read, with no KV read).",
  account_not_granted:
    "The key's `account_ids` (or the token's `account_ids` claim) does not contain the account; a token without the claim where the edge answers.",
  missing_scope: "`JWT_REQUIRED_SCOPE` is set and neither `scope` nor `permissions` of the token holds it.",
  not_found: "Any path other than `/v1/account-memberships[/]` and `/preview/config.json`.",
  account_not_found: "No `account:<mode>:<id>` record in the credential's mode (a test key never sees live accounts).",
  workspace_membership_not_found: "No `workspace_membership:<mode>:<id>` record in the credential's mode.",
  method_not_allowed: "Another method than POST/OPTIONS on the endpoint (GET/HEAD on config.json); with `Allow`.",
  membership_conflict: "The membership exists with other permissions; `details.existing_permissions` lists them.",
  idempotency_key_reused:
    "The `Idempotency-Key` was used by this credential for a different request (account, fields, permissions as a set).",
  idempotency_key_in_progress:
    "The same request with this `Idempotency-Key` is still being answered (the key is reserved before any work; needs the `ACCOUNT_STORE` object); `Retry-After: 1`, then the replay.",
  body_too_large: "The declared `Content-Length` or the body itself is over `MAX_BODY_BYTES`.",
  unsupported_media_type: "`Content-Type` is missing or not `application/json` (a `charset` other than UTF-8 too).",
  validation_failed:
    "Field errors; `details.errors` lists them in body order (`field`, `reason`, `message`), at most 100, and `details.more_errors` says how many more there were.",
  workspace_mismatch:
    "The workspace membership belongs to another workspace than the account (`details.errors` names the field).",
  rate_limited:
    "The credential's rate limit (its own `rate_limit`, or the default) or its account's (`RATE_LIMIT_ACCOUNT_PER_MINUTE`) is exhausted; `Retry-After` says when to try again, never earlier than the `RateLimit` field's `t`.",
  headers_too_large:
    "More than 256 request headers, or more than 32 KiB of header names and values; checked before anything else is read.",
  internal_error: "The module trapped or the host failed; the instance is replaced. Never a stack trace.",
  configuration_error:
    "A bad configuration value; the log line names the variable. Every request gets this until it is fixed.",
  corrupt_record:
    "A stored KV record is not the JSON its key's layout requires (a field missing or of the wrong type, e.g. `revoked` not a boolean), or is over 64 KiB; the log line names the key and the field.",
  origin_unreachable:
    "The origin refused the connection, reset it, or could not be reached (the WASI command has no sockets).",
  origin_bad_response: "The origin answered something that is not a JSON object, or a status outside 200-599.",
  storage_unavailable: "A KV read or write failed; a create is never acknowledged without its write.",
  key_provider_unavailable: "`JWT_JWKS_URL` could not be fetched and no earlier keys are cached.",
  rate_limiter_unavailable:
    "The rate limiter (the Workers rate-limiting binding) failed and `RATE_LIMIT_FAILURE_MODE` is `closed`; with `Retry-After` (the binding's period). Under `open`, the default, the request is allowed and the failure logged.",
  origin_timeout: "The origin did not answer within `ORIGIN_TIMEOUT_MS`.",
};

// The reasons of a 422's details.errors[] (src/body.cpp, src/edge_store.cpp), and what they mean.
export const FIELD_REASONS = [
  [
    "unknown_field",
    "a top-level field the API does not have (named as sent; a name over 48 bytes, as escaped in JSON, is cut and ends with `...`)",
  ],
  ["one_of_required", "neither `workspace_membership_id` nor `email` (reported on `workspace_membership_id`)"],
  ["mutually_exclusive", "both `workspace_membership_id` and `email` (reported on `email`)"],
  ["invalid_type", "wrong JSON type, `null` included"],
  ["empty", "an empty string"],
  ["too_long", "over the field's length limit (id 128, email 254, permission 64)"],
  [
    "invalid_format",
    "not a valid email (WHATWG rule), or a permission not matching `^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$`",
  ],
  ["not_allowed", "a permission outside `ALLOWED_PERMISSIONS`"],
  ["duplicate", "a permission given twice (`permissions[i]` names the second)"],
  ["too_many", "more than 100 permissions"],
  ["other_workspace", "(42202) the workspace membership is in another workspace"],
];

// The reason phrase of each status the catalogue uses (RFC 9110 names).
export const STATUS_TEXT = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function renderFieldReasons() {
  return ["| reason | meaning |", "| --- | --- |", ...FIELD_REASONS.map(([r, m]) => `| \`${r}\` | ${m} |`)];
}

export function errorRows() {
  const header = readFileSync(join(root, "src", "errors.h"), "utf8");
  return [...header.matchAll(/X\((\w+), (\d{3}), (\d+), "([^"]*)"\)/g)].map(([, name, status, n, message]) => ({
    name,
    status: Number(status),
    code: Number(status) * 100 + Number(n),
    message,
  }));
}

export function renderErrorsDoc() {
  const rows = errorRows();
  const lines = [
    "# Error codes",
    "",
    "Every error answer has the envelope",
    '`{"message":m,"success":false,"error":{"code":c,"message":m,"details":{...}}}` with',
    "`Content-Type: application/json` and an `X-Request-Id`. `error.code` is `status * 100 + n` and",
    "never changes meaning; `details` is always an object. 401 answers carry",
    '`WWW-Authenticate: Bearer realm="api"` (with `error="invalid_token"` and `error_description` when a',
    'credential was presented), a 403 for a missing scope `error="insufficient_scope", scope="…"`, 405',
    "`Allow`, 429 and the 503 of a failed rate limiter `Retry-After`.",
    "",
    "With `Accept: application/problem+json` preferred over `application/json`, the same errors come as",
    "RFC 9457 problem details (`Content-Type: application/problem+json`) whose `type` is",
    `\`${PROBLEM_TYPE_BASE}<code>\`: the anchor of the code's row below (e.g. \`#42201\`).`,
    "",
    "This file is generated from `src/errors.h` by `node scripts/errors-doc.mjs`; a test fails when they differ.",
    "",
    "| code | status | name | message | when |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) => `| <a id="${r.code}"></a>${r.code} | ${r.status} | \`${r.name}\` | ${r.message} | ${WHEN[r.name] ?? ""} |`,
    ),
    "",
    "## Field errors (422, `details.errors[]`)",
    "",
    ...renderFieldReasons(),
    "",
    "Errors from the origin (forwarded requests) are passed through with the origin's status and envelope.",
    "",
  ];
  return lines.join("\n");
}

// Replaces what lies between the line holding `begin` and the line holding `end` (both kept) with
// `lines`, each indented as the `begin` line is. Throws when the markers are missing.
export function replaceBetween(text, begin, end, lines, file) {
  const at = text.indexOf(begin),
    stop = text.indexOf(end, at);
  if (at < 0 || stop < 0) throw new Error(`${file}: markers ${begin} ... ${end} not found`);
  const lineStart = text.lastIndexOf("\n", at) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))[0];
  const afterBegin = text.indexOf("\n", at) + 1;
  const endLine = text.lastIndexOf("\n", stop) + 1;
  return text.slice(0, afterBegin) + lines.map((l) => (l ? indent + l : l) + "\n").join("") + text.slice(endLine);
}

// docs/api.md with its generated table of statuses and codes, and of field error reasons.
export function renderApiDoc(text) {
  const rows = errorRows();
  for (const r of rows)
    if (!STATUS_TEXT[r.status]) throw new Error(`STATUS_TEXT has no phrase for ${r.status} (${r.name})`);
  const table = [
    "| status | code | name | message |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => `| ${r.status} ${STATUS_TEXT[r.status]} | ${r.code} | \`${r.name}\` | ${r.message} |`),
  ];
  text = replaceBetween(text, "<!-- errors:begin -->", "<!-- errors:end -->", table, "docs/api.md");
  return replaceBetween(
    text,
    "<!-- field-reasons:begin -->",
    "<!-- field-reasons:end -->",
    renderFieldReasons(),
    "docs/api.md",
  );
}

// docs/openapi.yaml with one ErrorCode<status> schema per status of the catalogue (an enum of its
// codes, each described) and the FieldErrorReason enum. JSON strings are valid YAML scalars.
export function renderOpenApi(text) {
  const byStatus = groupBy(errorRows());
  const lines = [];
  for (const [status, rows] of byStatus) {
    lines.push(
      `ErrorCode${status}:`,
      "  type: integer",
      `  title: Error codes of ${status}`,
      `  enum: [${rows.map((r) => r.code).join(", ")}]`,
      "  x-enumDescriptions:",
      ...rows.map((r) => `    "${r.code}": ${JSON.stringify(`${r.name}: ${r.message}`)}`),
    );
  }
  for (const [status, rows] of byStatus) {
    lines.push(
      `Problem${status}:`,
      "  allOf:",
      '    - $ref: "#/components/schemas/Problem"',
      "    - properties:",
      `        type: {enum: [${rows.map((r) => JSON.stringify(PROBLEM_TYPE_BASE + r.code)).join(", ")}]}`,
      `        status: {const: ${status}}`,
      `        code: {$ref: "#/components/schemas/ErrorCode${status}"}`,
    );
  }
  lines.push(
    "FieldErrorReason:",
    "  type: string",
    "  description: Why a field was refused.",
    `  enum: [${FIELD_REASONS.map(([r]) => r).join(", ")}]`,
    "  x-enumDescriptions:",
    ...FIELD_REASONS.map(([r, m]) => `    ${r}: ${JSON.stringify(m)}`),
  );
  return replaceBetween(text, "# errors:begin", "# errors:end", lines, "docs/openapi.yaml");
}

function groupBy(rows) {
  // rows by status, in catalogue order (Map.groupBy needs Node 21)
  const m = new Map();
  for (const r of rows) m.set(r.status, [...(m.get(r.status) ?? []), r]);
  return m;
}

// The generated files, as they should read now: [path relative to the root, text].
export function generatedDocs() {
  const read = (p) => readFileSync(join(root, p), "utf8");
  return [
    ["docs/errors.md", renderErrorsDoc()],
    ["docs/api.md", renderApiDoc(read("docs/api.md"))],
    ["docs/openapi.yaml", renderOpenApi(read("docs/openapi.yaml"))],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [path, text] of generatedDocs()) writeFileSync(join(root, path), text);
  console.log(`docs/errors.md, docs/api.md, docs/openapi.yaml: ${errorRows().length} codes`);
}
