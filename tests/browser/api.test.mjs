// The JS API (host-shims/browser/preview.mjs) as a dashboard uses it, without the page.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PREVIEW_DIR, ROOT, SITE, openPreview, serveStatic, usePreviewPage } from "./helpers.mjs";

const session = usePreviewPage();

const URL_ = "https://api.example.com/v1/account-memberships/?account_id=acct_1";
const JSON_HEADERS = { "Content-Type": "application/json", Authorization: "Bearer sk_test_abc" };

test("the documented example: a 422 with every field error, then accepted", async () => {
  const r = await session.page.evaluate(async (url) => {
    const { createPreview } = await import("./preview.mjs");
    const p = await createPreview();
    const bad = p.preview({
      url,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "ann@", permissions: ["read", "Read"] }),
    });
    const good = p.preview({
      url,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "Ann@Example.com" }),
    });
    return { bad, good, source: p.settingsSource, note: p.settingsNote, settings: p.settings };
  }, URL_);
  assert.equal(r.bad.status, 422);
  assert.equal(r.bad.accepted, false);
  assert.equal(r.bad.statusText, "Unprocessable Content");
  assert.deepEqual(
    r.bad.fieldErrors.map((e) => [e.field, e.reason]),
    [
      ["email", "invalid_format"],
      ["permissions[1]", "invalid_format"],
    ],
  );
  assert.equal(r.bad.bodyText, JSON.stringify(r.bad.body));
  assert.equal(r.bad.normalized, null);
  assert.equal(r.good.status, null);
  assert.equal(r.good.accepted, true);
  assert.equal(r.good.bodyText, "");
  assert.deepEqual(r.good.normalized, { email: "ann@example.com", permissions: [] });
  assert.deepEqual(
    r.good.notes.map((n) => n.code),
    ["credential_required"],
  );
  assert.deepEqual(r.good.credential, { present: false, kind: null, mode: null });
  // No settings URL given: the defaults, and the API says why.
  assert.equal(r.source, "defaults");
  assert.match(r.note, /no settings URL/);
  assert.deepEqual(r.settings, {
    max_body_bytes: 16384,
    allowed_permissions: null,
    permission_pattern: "^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$",
  });
});

test("requests as fetch() would send them: methods, headers, bodies", async () => {
  const r = await session.page.evaluate(
    async ({ url, headers }) => {
      const { createPreview } = await import("./preview.mjs");
      const p = await createPreview();
      const body = JSON.stringify({ workspace_membership_id: "wsm_1" });
      return {
        lowerPost: p.preview({ method: "post", url, headers, body }).accepted, // fetch upper-cases POST
        patch: p.preview({ method: "patch", url, headers, body }).status, // ... but not PATCH
        get: p.preview({ method: "GET", url, headers }).status,
        pathOnly: p.preview({ url: "/v1/account-memberships?account_id=acct_1", headers, body }).accepted,
        otherPath: p.preview({ url: "https://api.example.com/v1/accounts", headers, body }).status,
        headersObject: p.preview({ url, headers: new Headers(headers), body }).accepted,
        headerPairs: p.preview({ url, headers: Object.entries(headers), body }).accepted,
        bytes: p.preview({ url, headers, body: new TextEncoder().encode(body) }).accepted,
        buffer: p.preview({ url, headers, body: new TextEncoder().encode(body).buffer }).accepted,
        object: p.preview({ url, headers, body: { workspace_membership_id: "wsm_1" } }).accepted,
        badUtf8: p.preview({ url, headers, body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]) }).body.error.code,
        noContentType: p.preview({ url, headers: { Authorization: headers.Authorization }, body }).status,
        noBody: p.preview({ url, headers }).body.error.code,
        credential: p.preview({ url, headers, body }).credential,
        notes: p.preview({ url, headers, body }).notes.map((n) => n.code),
      };
    },
    { url: URL_, headers: JSON_HEADERS },
  );
  assert.deepEqual(r, {
    lowerPost: true,
    patch: 405,
    get: 405,
    pathOnly: true,
    otherPath: 404,
    headersObject: true,
    headerPairs: true,
    bytes: true,
    buffer: true,
    object: true,
    badUtf8: 40002,
    noContentType: 415,
    noBody: 40001,
    credential: { present: true, kind: "secret_key", mode: "test" },
    notes: ["secret_key_in_browser"],
  });
});

test("a body far over the limit is cut as the hosts cut it, and is a 413", async () => {
  const r = await session.page.evaluate(
    async ({ url, headers }) => {
      const { createPreview } = await import("./preview.mjs");
      const p = await createPreview({ settings: { max_body_bytes: 100, allowed_permissions: null } });
      const at = (n) => p.preview({ url, headers, body: JSON.stringify({ email: "a@b.co", x: "y".repeat(n) }) });
      const limit = JSON.stringify({ email: "a@b.co", x: "" }).length;
      return {
        under: at(100 - limit).status,
        over: at(101 - limit).status,
        huge: at(8 << 20).status,
        max: p.settings.max_body_bytes,
      };
    },
    { url: URL_, headers: JSON_HEADERS },
  );
  // At the limit the body is read (an unknown field: 422); one byte over, and 8 MiB over, 413.
  assert.deepEqual(r, { under: 422, over: 413, huge: 413, max: 100 });
});

test("settings: from a URL, given, or refused", async () => {
  const edge = await serveStatic(SITE, {
    "/edge/preview/config.json": (req, res) =>
      res
        .writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify({ max_body_bytes: 2048, allowed_permissions: ["read"], permission_pattern: "x" })),
  });
  // Same origin as the page: its Content-Security-Policy allows no other (see the last check).
  const ctx = await openPreview(session.browser, `${edge.url}/preview/`);
  try {
    const r = await ctx.page.evaluate(
      async ({ base, other }) => {
        const { createPreview, loadSettings } = await import("./preview.mjs");
        const fromUrl = await createPreview({ settingsUrl: `${base}/edge/preview/config.json` });
        const missing = await loadSettings(`${base}/nowhere/config.json`);
        let refused = null;
        try {
          await createPreview({ settings: { max_body_bytes: "big" } });
        } catch (e) {
          refused = e.message;
        }
        const given = await createPreview({ settings: { max_body_bytes: 4096, allowed_permissions: [] } });
        const crossOrigin = await loadSettings(`${other}/csp-probe/config.json`);
        const req = { url: "/v1/account-memberships/?account_id=a", headers: { "content-type": "application/json" } };
        return {
          fromUrl: {
            source: fromUrl.settingsSource,
            settings: fromUrl.settings,
            read: fromUrl.preview({ ...req, body: '{"email":"a@b.co","permissions":["read"]}' }).accepted,
            write: fromUrl.preview({ ...req, body: '{"email":"a@b.co","permissions":["write"]}' }).fieldErrors,
          },
          missing: { source: missing.source, reason: missing.reason, max: missing.settings.max_body_bytes },
          refused,
          crossOrigin: crossOrigin.source,
          given: {
            source: given.settingsSource,
            settings: given.settings,
            read: given.preview({ ...req, body: '{"email":"a@b.co","permissions":["read"]}' }).status,
          },
        };
      },
      { base: edge.url, other: session.server.url },
    );
    assert.deepEqual(r.fromUrl, {
      source: "edge",
      settings: {
        max_body_bytes: 2048,
        allowed_permissions: ["read"],
        permission_pattern: "^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$",
      },
      read: true,
      write: [{ field: "permissions[0]", reason: "not_allowed", message: "Not an allowed permission." }],
    });
    assert.equal(r.missing.source, "defaults");
    assert.match(r.missing.reason, /answered 404/);
    assert.equal(r.missing.max, 16384);
    assert.match(r.refused, /settings refused: max_body_bytes must be a whole number/);
    assert.deepEqual(r.given, {
      source: "given",
      settings: {
        max_body_bytes: 4096,
        allowed_permissions: [],
        permission_pattern: "^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$",
      },
      read: 422,
    });
    // Refused by the page's CSP before it left the browser (CORS alone would have let it reach the server).
    assert.equal(r.crossOrigin, "defaults");
    assert.ok(
      !session.server.requests.includes("GET /csp-probe/config.json"),
      "the page's CSP let a request to another origin out",
    );
  } finally {
    await ctx.context.close();
    await edge.close();
  }
});

test("a JWT's claims come back decoded and labelled not verified", async () => {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const tokens = {
    fresh: `${b64({ alg: "ES256" })}.${b64({ sub: "u", exp: now + 600, livemode: true })}.c2ln`,
    expired: `${b64({ alg: "ES256" })}.${b64({ sub: "u", exp: now - 61 })}.c2ln`,
    inLeeway: `${b64({ alg: "ES256" })}.${b64({ sub: "u", exp: now - 30 })}.c2ln`,
    noExp: `${b64({ alg: "HS256" })}.${b64({ sub: "u" })}.c2ln`,
    future: `${b64({ alg: "RS256" })}.${b64({ sub: "u", exp: now + 600, nbf: now + 300 })}.c2ln`,
  };
  const r = await session.page.evaluate(async (tokens) => {
    const { createPreview } = await import("./preview.mjs");
    const p = await createPreview();
    const out = {};
    for (const [k, t] of Object.entries(tokens)) {
      const x = p.preview({
        url: "/v1/account-memberships/?account_id=a",
        headers: { "content-type": "application/json", authorization: `bearer ${t}` },
        body: '{"email":"a@b.co"}',
      });
      out[k] = {
        accepted: x.accepted,
        kind: x.credential.kind,
        verified: x.jwt.verified,
        time: x.jwt.timeCheck?.code ?? null,
        sub: x.jwt.claims.sub,
        notes: x.notes.map((n) => n.code),
      };
    }
    return out;
  }, tokens);
  const base = { accepted: true, kind: "jwt", verified: false, sub: "u", notes: ["jwt_not_verified"] };
  assert.deepEqual(r, {
    fresh: { ...base, time: null },
    expired: { ...base, time: 40115 },
    inLeeway: { ...base, time: null },
    noExp: { ...base, time: 40120 },
    future: { ...base, time: 40116 },
  });
});

test("the shipped module is for browsers, with no dynamic code", () => {
  const js = readFileSync(join(ROOT, "dist/browser/membership-preview.mjs"), "utf8");
  assert.doesNotMatch(js, /\bnew Function\b|\beval\(/, "DYNAMIC_EXECUTION=0 should leave no eval");
  assert.doesNotMatch(js, /require\(["']fs["']\)|process\.versions\.node/, "ENVIRONMENT=web should leave no Node code");
  assert.match(js, /export default createMembershipPreview/);
  for (const f of ["membership-preview.mjs", "membership-preview.wasm", "preview.mjs"])
    assert.deepEqual(
      readFileSync(join(ROOT, "dist/browser", f)),
      readFileSync(join(PREVIEW_DIR, f)),
      `dist/site/preview/${f} is stale`,
    );
});
