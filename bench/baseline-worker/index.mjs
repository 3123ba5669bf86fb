// The baseline of docs/benchmarks.md: the same job as the product, for the benchmarked paths, written the
// way a good Workers engineer writes it with popular libraries: Hono (routing), zod (body schema),
// jose (JWT verification on WebCrypto, each key imported once per isolate by its local JWK set).
// Same KV layout and seed as the product. No in-isolate record cache (every request reads its
// records: that cache is the product's lever, docs/benchmarks.md), but every read that does not depend on
// another goes out at once (Promise.all), so a request waits on as few KV rounds as the layout
// allows:
//   API key:  round 1: the key record, the account, the workspace membership (link) or the user by
//             email (invite) and, for an invite, the membership keyed by the email itself (the
//             key of an invite whose user is unknown); round 2 only when the membership key needs
//             the user id read in round 1 (a link, or an invite of a known user); then the put.
//             Email create of an unknown user: 1 read round (4 reads) + 1 put. Link: 2 rounds.
//   JWT:      jose verify (no KV), then the same rounds without the key record.
// Not implemented (not on the measured paths): Idempotency-Key, rate limits, CORS, origin
// routing/forwarding, the Durable Object write authority (a plain KV put, as the product does
// without its ACCOUNT_STORE binding), duplicate-key JSON refusal, KV_TEST/KV_LIVE, JWKS URL.
// Logging: one JSON line per request (console.log), the same fields as the product's line at its
// default LOG_LEVEL=info, and none at LOG_LEVEL=warn or error, as the product: the benchmark runs
// both workers logging (the default) and both quiet.
import { Hono } from "hono";
import { z } from "zod";
import { createLocalJWKSet, jwtVerify } from "jose";

const PERMISSION = /^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$/;
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_BODY = 16384;

const Body = z
  .strictObject({
    workspace_membership_id: z.string().min(1).max(128).optional(),
    email: z.email({ pattern: z.regexes.html5Email }).max(254).optional(),
    permissions: z
      .array(z.string().max(64).regex(PERMISSION))
      .max(100)
      .refine((p) => new Set(p).size === p.length, { message: "Permissions must be distinct." })
      .default([]),
  })
  .refine((b) => (b.workspace_membership_id === undefined) !== (b.email === undefined), {
    message: "Provide workspace_membership_id or email.",
    path: ["workspace_membership_id"],
  });

const envelope = (code, message, details = {}) =>
  JSON.stringify({ message, success: false, error: { code, message, details } });

function requestId() {
  return `req_${crypto.randomUUID().replaceAll("-", "")}`;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function membershipId() {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let id = "am_";
  for (const b of bytes) id += BASE62[b % 62];
  return id;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();
async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  let out = "";
  for (const b of digest) out += HEX[b];
  return out;
}

// KV key parts, encoded as the product's layout does (scripts/kv_layout.mjs): every byte outside
// A-Z a-z 0-9 - _ . ~ @ + percent-encoded. (Keys over 512 bytes are not on the measured paths.)
const PLAIN = /^[A-Za-z0-9\-_.~@+]*$/;
const part = (s) =>
  PLAIN.test(s)
    ? s
    : [...encoder.encode(s)]
        .map((c) =>
          (c >= 0x41 && c <= 0x5a) ||
          (c >= 0x61 && c <= 0x7a) ||
          (c >= 0x30 && c <= 0x39) ||
          "-_.~@+".includes(String.fromCharCode(c))
            ? String.fromCharCode(c)
            : `%${HEX[c].toUpperCase()}`,
        )
        .join("");

// JWT verification material, built once per isolate from the vars.
let jwtState = null;
function jwtConfig(env) {
  if (jwtState?.source === env.JWT_JWKS) return jwtState;
  const jwks = env.JWT_JWKS ? createLocalJWKSet(JSON.parse(env.JWT_JWKS)) : null;
  const hs = env.JWT_HS256_SECRET ? encoder.encode(env.JWT_HS256_SECRET) : null;
  jwtState = {
    source: env.JWT_JWKS,
    enabled: Boolean(env.JWT_ISSUER && env.JWT_AUDIENCE && (jwks || hs)),
    key: (header, token) => (header.alg === "HS256" ? hs : jwks(header, token)),
    options: {
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      clockTolerance: Number(env.JWT_LEEWAY_SECONDS ?? 60),
      algorithms: [...(jwks ? ["RS256", "ES256"] : []), ...(hs ? ["HS256"] : [])],
      requiredClaims: ["exp", "sub"],
    },
  };
  return jwtState;
}

class Answer extends Error {
  constructor(status, code, message, details, headers) {
    super(message);
    Object.assign(this, { status, code, details, headers });
  }
}

function fieldErrors(issues) {
  return issues.map((i) => {
    let field = i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : p))
      .join(".")
      .replace(".[", "[");
    if (i.code === "unrecognized_keys") field = i.keys[0];
    const reason =
      i.code === "unrecognized_keys" ? "unknown_field" : i.code === "invalid_type" ? "invalid_type" : "invalid_format";
    return { field, reason, message: i.message };
  });
}

async function createMembership(c) {
  const env = c.env;
  const stats = { kv: 0, rounds: 0 };
  // One round of independent reads, all at once.
  const kvRound = (keys) => {
    stats.rounds++;
    stats.kv += keys.length;
    return Promise.all(keys.map((k) => env.KV.get(k, "json")));
  };
  c.set("stats", stats);

  // The credential, well-formed (no storage yet).
  const auth = /^bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (!auth) throw new Answer(401, 40101, "Missing bearer credential.", {}, { "WWW-Authenticate": "Bearer" });
  const token = auth[1];
  const isJwt = token.split(".").length === 3;
  if (!isJwt && token.slice(0, 32).includes("pk_"))
    throw new Answer(403, 40301, "Publishable keys cannot create memberships.");
  if (!isJwt && !token.slice(0, 32).includes("sk_"))
    throw new Answer(401, 40102, "Invalid credential.", {}, { "WWW-Authenticate": "Bearer" });

  // The request itself.
  if (!/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? ""))
    throw new Answer(415, 41501, "Content-Type must be application/json.");
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new Answer(413, 41301, "Body too large.");
  const accountId = c.req.query("account_id");
  if (!accountId || !ACCOUNT_ID.test(accountId)) throw new Answer(400, 40002, "Missing or malformed account_id.");
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Answer(400, 40001, "Body is not valid JSON.");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json))
    throw new Answer(400, 40001, "Body must be a JSON object.");
  const parsed = Body.safeParse(json);
  if (!parsed.success)
    throw new Answer(422, 42201, "The request has invalid fields.", { errors: fieldErrors(parsed.error.issues) });
  const body = parsed.data;
  const email = body.email?.toLowerCase();

  // The credential verified, and the records, in as few rounds as the layout allows.
  let mode, credentialId, accountIds;
  const recordKeys = (m) =>
    body.workspace_membership_id
      ? [`account:${m}:${part(accountId)}`, `workspace_membership:${m}:${part(body.workspace_membership_id)}`]
      : [
          `account:${m}:${part(accountId)}`,
          `user_by_email:${m}:${part(email)}`,
          `account_membership:${m}:${part(accountId)}:email:${part(email)}`,
        ];
  let records;
  if (isJwt) {
    const jwt = jwtConfig(env);
    if (!jwt.enabled)
      throw new Answer(401, 40105, "JWT authentication is not configured.", {}, { "WWW-Authenticate": "Bearer" });
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwt.key, jwt.options));
    } catch {
      throw new Answer(401, 40104, "Invalid token.", {}, { "WWW-Authenticate": "Bearer" });
    }
    mode = payload.livemode === true ? "live" : "test";
    credentialId = `jwt:${payload.sub}`;
    accountIds = Array.isArray(payload.account_ids) ? payload.account_ids : [];
    records = await kvRound(recordKeys(mode));
  } else {
    mode = token.includes("_test_") ? "test" : "live";
    const [key, ...rest] = await kvRound([`apikey:${await sha256Hex(token)}`, ...recordKeys(mode)]);
    const expired = key?.expires_at && Date.parse(key.expires_at) <= Date.now();
    if (!key || key.revoked || expired || key.type !== "secret" || key.mode !== mode)
      throw new Answer(401, 40103, "Invalid API key.", {}, { "WWW-Authenticate": "Bearer" });
    credentialId = key.id;
    accountIds = key.account_ids;
    records = rest;
  }
  c.set("credential", { credentialId, mode });
  if (!accountIds.includes("*") && !accountIds.includes(accountId))
    throw new Answer(403, 40302, "This credential is not granted this account.");
  const [account, member, byEmail] = records;
  if (!account) throw new Answer(404, 40401, "Account not found.");

  let user,
    workspaceMembershipId = null;
  if (body.workspace_membership_id) {
    if (!member) throw new Answer(404, 40402, "Workspace membership not found.");
    if (member.workspace_id !== account.workspace_id)
      throw new Answer(422, 42201, "The request has invalid fields.", {
        errors: [
          { field: "workspace_membership_id", reason: "other_workspace", message: "Belongs to another workspace." },
        ],
      });
    user = member.user;
    workspaceMembershipId = member.id;
  } else {
    user = member ? { id: member.id, email: member.email, name: member.name } : { id: null, email, name: null };
  }
  const key = user.id
    ? `account_membership:${mode}:${part(accountId)}:${part(user.id)}`
    : `account_membership:${mode}:${part(accountId)}:email:${part(email)}`;
  // An invite of an unknown user: its membership was read in round 1.
  const [existing] = user.id ? await kvRound([key]) : [byEmail];
  if (existing) {
    const same =
      existing.permissions.length === body.permissions.length &&
      body.permissions.every((p) => existing.permissions.includes(p));
    if (!same) throw new Answer(409, 40901, "The membership exists with different permissions.");
    return { status: 200, data: existing };
  }
  const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
  const data = {
    object: "account_membership",
    id: membershipId(),
    account_id: accountId,
    user_id: user.id,
    workspace_membership_id: workspaceMembershipId,
    permissions: body.permissions,
    created_at: now,
    updated_at: now,
    user: { id: user.id, email: user.email, name: user.name },
  };
  stats.kv++;
  stats.rounds++;
  await env.KV.put(key, JSON.stringify(data));
  return { status: 201, data };
}

const app = new Hono();

async function handler(c) {
  const started = Date.now();
  const id = requestId();
  let status,
    body,
    headers = {};
  try {
    const r = await createMembership(c);
    status = r.status;
    body = JSON.stringify({ message: "success", success: true, data: r.data });
  } catch (err) {
    if (!(err instanceof Answer)) throw err;
    status = err.status;
    body = envelope(err.code, err.message, err.details ?? {});
    headers = err.headers ?? {};
  }
  const stats = c.get("stats") ?? { kv: 0, rounds: 0 };
  const cred = c.get("credential") ?? {};
  // Logs as the product does at its LOG_LEVEL: an info line per request unless warn or error.
  if (c.env.LOG_LEVEL !== "warn" && c.env.LOG_LEVEL !== "error")
    console.log(
      JSON.stringify({
        level: "info",
        request_id: id,
        status,
        credential_id: cred.credentialId ?? "",
        mode: cred.mode ?? "",
        route: "edge",
        rounds: stats.rounds,
        kv_calls: stats.kv,
        duration_ms: Date.now() - started,
      }),
    );
  return c.body(body, status, { "Content-Type": "application/json", "X-Request-Id": id, ...headers });
}

app.post("/v1/account-memberships", handler);
app.post("/v1/account-memberships/", handler);
app.notFound((c) => c.body(envelope(40401, "Not found."), 404, { "Content-Type": "application/json" }));

export default app;
