// The preview module's answers against the edge's, for the same requests: the shared scenario
// files plus a few storage-free cases of the preview's own (JWT shapes, a 20 kB body).
//   - the WASI command (dist/wasi/membership-cli.wasm, the core in its edge build, empty KV);
//   - the real worker under `wrangler dev` (tests/worker/harness.mjs), with the module loaded from
//     the worker's own /preview/ and judging with the worker's /preview/config.json.
// Where the preview decides (docs/api.md, "Order of checks", steps 1-3), the edge must send the same status and the same
// bytes; where the preview says "accepted, pending authentication and storage", the edge must
// answer something only storage or a signature could decide.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { casesFor, scenarioFiles } from "../scenarios.mjs";
import { HARNESS, JWT_VARS, WASI_CLI, openPreview, wasiEdge, usePreviewPage } from "./helpers.mjs";

// Every error code the storage-free stages can answer (src/errors.h): 400s, the credential's
// shape (401 01/02/10/11/12, 403 01), 404 01, 405, 413, 415 and 422 01.
const PREVIEW_CODES = new Set([
  40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008, 40009, 40101, 40102, 40110, 40111, 40112, 40301, 40401, 40501,
  41301, 41501, 42201,
]);

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
const jwt = (header, payload) => `${b64url(header)}.${b64url(payload)}.${Buffer.from("sig").toString("base64url")}`;
const exp = Math.floor(Date.now() / 1000) + 3600;
const post = (headers, json, target = "/v1/account-memberships/?account_id=acct_1") => ({
  method: "POST",
  target,
  headers: { "Content-Type": "application/json", ...headers },
  json,
});

// Storage-free cases the scenario files do not have (the preview's own concerns).
const OWN_CASES = [
  {
    name: "JWT alg none",
    request: post({ Authorization: `Bearer ${jwt({ alg: "none" }, { sub: "u", exp })}` }, { email: "a@b.co" }),
  },
  {
    name: "JWT alg HS512",
    request: post({ Authorization: `Bearer ${jwt({ alg: "HS512" }, { sub: "u", exp })}` }, { email: "a@b.co" }),
  },
  {
    name: "JWT with a padded segment",
    request: post(
      { Authorization: `Bearer ${b64url({ alg: "RS256" })}.${b64url({ sub: "u" })}=.c2ln` },
      { email: "a@b.co" },
    ),
  },
  {
    name: "JWT payload not an object",
    request: post(
      { Authorization: `Bearer ${b64url({ alg: "RS256" })}.${Buffer.from("[1]").toString("base64url")}.c2ln` },
      { email: "a@b.co" },
    ),
  },
  {
    name: "JWT well-formed, bad body",
    request: post({ Authorization: `Bearer ${jwt({ alg: "RS256", kid: "k" }, { sub: "u", exp })}` }, { email: "nope" }),
  },
  {
    name: "JWT well-formed HS256, good body",
    request: post(
      { Authorization: `Bearer ${jwt({ alg: "HS256" }, { sub: "u", exp, livemode: false })}` },
      { email: "a@b.co" },
    ),
  },
  {
    name: "JWT well-formed RS256, good body",
    request: post(
      { Authorization: `Bearer ${jwt({ alg: "RS256" }, { sub: "u", exp })}` },
      { workspace_membership_id: "wsm_1" },
    ),
  },
  {
    name: "secret key, 20 kB body",
    request: post({ Authorization: "Bearer sk_test_x" }, { email: `${"a".repeat(20480)}@b.co` }),
  },
  {
    name: "secret key, unknown field and bad permission",
    request: post(
      { Authorization: "Bearer sk_live_x" },
      { email: "a@b.co", role: "admin", permissions: ["read", "read", "Write"] },
    ),
  },
  { name: "no credential, bad body", request: post({}, { email: "nope" }) },
  { name: "no credential, good body", request: post({}, { email: "a@b.co" }) },
];

/** Runs requests (scenario format) through the module inside the page; returns the API's results. */
function previewAll(page, requests, options) {
  return page.evaluate(
    async ({ requests, options }) => {
      const { createPreview } = await import("./preview.mjs");
      const p = await createPreview(options);
      const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const results = requests.map((r) =>
        p.preview({
          method: r.method,
          url: r.target,
          headers: r.headers ?? {},
          body:
            r.json !== undefined
              ? JSON.stringify(r.json)
              : r.body_base64 !== undefined
                ? fromB64(r.body_base64)
                : r.body,
        }),
      );
      const out = { results, source: p.settingsSource };
      p.dispose();
      return out;
    },
    { requests, options },
  );
}

/** Checks one pair; returns which kind of agreement it was. */
function agree(name, m, e) {
  const where = `${name}: preview ${JSON.stringify({ status: m.status, credential: m.credential, body: m.bodyText })}, edge ${e.status} ${e.body}`;
  let code = null;
  try {
    code = JSON.parse(e.body)?.error?.code ?? null;
  } catch {}
  if (m.status === 204) {
    assert.equal(e.status, 204, where);
    return "preflight";
  }
  if (m.notes.some((n) => n.code === "credential_required")) {
    // The preview judged the request and noted that a credential is needed; the edge asks for one.
    assert.equal(code, 40101, where);
    return "credential required";
  }
  if (!m.accepted) {
    assert.equal(e.status, m.status, where);
    assert.equal(e.body, m.bodyText, where);
    return "same answer";
  }
  assert.ok(!PREVIEW_CODES.has(code), `${where}: the preview accepted what the edge refused without storage`);
  return "accepted, decided later";
}

function bodyIsText(r) {
  if (r.body_base64 === undefined) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(r.body_base64, "base64"));
    return true;
  } catch {
    return false;
  }
}

// The settings the worker would serve for these vars (its /preview/config.json).
function settingsFor(vars) {
  return {
    max_body_bytes: Number(vars.MAX_BODY_BYTES ?? 16384),
    allowed_permissions:
      vars.ALLOWED_PERMISSIONS === undefined
        ? null
        : vars.ALLOWED_PERMISSIONS.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
  };
}

const restricted = {
  file: "(preview's own, restricted settings)",
  vars: { ROUTING: "edge", MAX_BODY_BYTES: "1024", ALLOWED_PERMISSIONS: "read, write" },
  cases: [
    {
      name: "permission outside the list",
      request: post({ Authorization: "Bearer sk_test_x" }, { email: "a@b.co", permissions: ["read", "billing:write"] }),
    },
    {
      name: "permission in the list",
      request: post({ Authorization: "Bearer sk_test_x" }, { email: "a@b.co", permissions: ["write"] }),
    },
    {
      name: "body over 1024 bytes",
      request: post({ Authorization: "Bearer sk_test_x" }, { email: `${"a".repeat(1100)}@b.co` }),
    },
  ],
};

const groups = [
  // A file none of whose cases is for the preview (03-effects.json: effect sequences) is left out.
  ...scenarioFiles()
    .map((doc) => ({ file: doc.file, vars: doc.vars ?? {}, cases: casesFor(doc, "browser").run }))
    .filter((g) => g.cases.length),
  { file: "(preview's own)", vars: { ROUTING: "edge" }, cases: OWN_CASES },
  restricted,
];

const session = usePreviewPage();

describe(
  "module vs the WASI command (the core's edge build)",
  { skip: !existsSync(WASI_CLI) && `no ${WASI_CLI}: cmake --preset wasi && cmake --build --preset wasi` },
  () => {
    for (const g of groups) {
      test(g.file, async (t) => {
        const cases = g.cases.filter((c) => bodyIsText(c.request));
        const { results } = await previewAll(
          session.page,
          cases.map((c) => c.request),
          { settings: settingsFor(g.vars) },
        );
        const wire = cases.map(({ request: r }) => ({
          method: r.method,
          target: r.target,
          headers: Object.entries(r.headers ?? {}),
          body:
            r.json !== undefined
              ? JSON.stringify(r.json)
              : r.body_base64 !== undefined
                ? Buffer.from(r.body_base64, "base64").toString("utf8")
                : (r.body ?? ""),
        }));
        const answers = wasiEdge(wire, { ...g.vars, ...JWT_VARS });
        assert.equal(answers.length, cases.length);
        const kinds = {};
        cases.forEach((c, i) => {
          const k = agree(c.name, results[i], answers[i]);
          kinds[k] = (kinds[k] ?? 0) + 1;
        });
        t.diagnostic(
          `${cases.length} cases (${g.cases.length - cases.length} with non-UTF-8 bodies left to the worker): ${JSON.stringify(kinds)}`,
        );
        assert.ok(
          (kinds["same answer"] ?? 0) >= Math.min(2, cases.length - 1),
          "too few storage-free answers were compared",
        );
      });
    }
  },
);

describe(
  "module vs the worker under wrangler dev",
  { skip: !existsSync(HARNESS) && "harness not yet available" },
  () => {
    for (const g of groups) {
      test(g.file, async (t) => {
        const { startWorker, send } = await import(HARNESS);
        const worker = await startWorker({ vars: { ...g.vars, ...JWT_VARS } });
        const ctx = await openPreview(session.browser, `${worker.url}/preview/`);
        try {
          // The page the worker serves, judging with the settings the worker serves.
          const { results, source } = await previewAll(
            ctx.page,
            g.cases.map((c) => c.request),
            { settingsUrl: "./config.json" },
          );
          assert.equal(source, "edge", "the worker's /preview/config.json was not used");
          assert.deepEqual(ctx.errors, []);
          const kinds = {};
          for (const [i, c] of g.cases.entries()) {
            const res = await send(worker.url, c.request);
            const k = agree(c.name, results[i], { status: res.status, body: res.text });
            kinds[k] = (kinds[k] ?? 0) + 1;
          }
          t.diagnostic(`${g.cases.length} cases: ${JSON.stringify(kinds)}`);
          assert.ok(
            (kinds["same answer"] ?? 0) >= Math.min(2, g.cases.length - 1),
            "too few storage-free answers were compared",
          );
        } finally {
          await ctx.context.close();
          await worker.stop();
        }
      });
    }
  },
);
