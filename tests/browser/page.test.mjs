// The preview page in Debian's Chromium, served by a plain static file server (no config.json:
// the defaults) and by one that also answers /preview/config.json as the worker does.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { BUILD_HINT, HARNESS, PREVIEW_DIR, SITE, launchChromium, openPreview, serveStatic } from "./helpers.mjs";

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
const jwt = (header, payload) =>
  `${b64url(header)}.${b64url(payload)}.${Buffer.from("not-a-signature").toString("base64url")}`;
const now = () => Math.floor(Date.now() / 1000);

const errorFor = (page, field) => page.textContent(`[data-error-for="${field}"]`);
const verdict = (page) => page.getAttribute("#verdict", "data-status");

let browser, server;
before(async () => {
  assert.ok(existsSync(join(PREVIEW_DIR, "membership-preview.wasm")), `dist/site/preview is missing: ${BUILD_HINT}`);
  browser = await launchChromium();
  server = await serveStatic(SITE);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

// The same walk through the form on both kinds of server: any static file server (no
// config.json: the defaults) and the worker's static assets under wrangler dev (its config.json).
const servers = [
  {
    name: "a plain static file server",
    settings: "defaults",
    start: async () => ({ url: server.url, stop: async () => {} }),
  },
  {
    name: "the worker under wrangler dev",
    settings: "edge",
    skip: !existsSync(HARNESS) && "harness not yet available",
    start: async () => (await import(HARNESS)).startWorker({ vars: { ROUTING: "edge" } }),
  },
];

for (const where of servers)
  describe(`page served by ${where.name}`, { skip: where.skip }, () => {
    let ctx, served;
    before(async () => {
      served = await where.start();
      ctx = await openPreview(browser, `${served.url}/preview/`);
    });
    after(async () => {
      await ctx?.context.close();
      await served?.stop();
    });

    test(`loads, judging with the ${where.settings} settings`, async () => {
      const { page, errors } = ctx;
      assert.equal(await page.getAttribute("body", "data-ready"), "true");
      assert.equal(await page.getAttribute("body", "data-settings"), where.settings);
      assert.match(await page.textContent("#settings"), /at most 16384 bytes/);
      // The empty form: no account_id is the first thing the edge would refuse.
      assert.equal(await verdict(page), "400");
      assert.match(await errorFor(page, "account_id"), /account_id is required/);
      assert.deepEqual(errors, []);
    });

    test("a bad email is a 422 shown next to the email field; fixing it is accepted", async () => {
      const { page } = ctx;
      await page.fill("#account_id", "acct_1");
      await page.fill("#email", "ann.example.com");
      assert.equal(await verdict(page), "422");
      assert.match(await page.textContent("#verdict"), /^422 Unprocessable Content/);
      assert.equal(await errorFor(page, "email"), "Must be a valid email address.");
      assert.equal(await page.getAttribute("#email", "aria-invalid"), "true");
      assert.equal(await errorFor(page, "account_id"), "");
      const envelope = JSON.parse(await page.textContent("#envelope"));
      assert.equal(envelope.error.code, 42201);
      assert.deepEqual(envelope.error.details.errors, [
        { field: "email", reason: "invalid_format", message: "Must be a valid email address." },
      ]);

      await page.fill("#email", "Ann@Example.com");
      assert.equal(await verdict(page), "accepted");
      assert.equal(await page.textContent("#verdict"), "Would be accepted, pending authentication and storage");
      assert.equal(await errorFor(page, "email"), "");
      assert.equal(await page.getAttribute("#email", "aria-invalid"), "false");
      // The normalized body the edge would forward: email lowercased, permissions defaulted.
      assert.deepEqual(JSON.parse(await page.textContent("#envelope")), { email: "ann@example.com", permissions: [] });
      // No token typed: the preview says a credential is still needed.
      assert.match(await page.textContent("#notes"), /No Bearer credential/);
    });

    test("asked for problem details, the page shows the RFC 9457 shape and still places field errors", async () => {
      const { page } = ctx;
      await page.fill("#account_id", "acct_1");
      await page.fill("#email", "ann.example.com");
      await page.check("#problem-details");
      assert.equal(await verdict(page), "422");
      assert.match(await page.textContent("#verdict"), /^422 Unprocessable Content — The request has invalid fields\./);
      assert.match(await page.textContent("#envelope-summary"), /application\/problem\+json/);
      assert.match(await page.textContent("#request"), /^Accept: application\/problem\+json$/m);
      const problem = JSON.parse(await page.textContent("#envelope"));
      assert.equal(problem.type, "https://membership-edge.example/docs/errors.md#42201");
      assert.equal(problem.status, 422);
      assert.equal(problem.code, 42201);
      assert.deepEqual(problem.errors, [
        { pointer: "/email", reason: "invalid_format", detail: "Must be a valid email address." },
      ]);
      assert.equal(await errorFor(page, "email"), "Must be a valid email address.");
      await page.uncheck("#problem-details");
      assert.equal(JSON.parse(await page.textContent("#envelope")).error.code, 42201);
    });

    test("the result updates on every keystroke", async () => {
      const { page } = ctx;
      await page.fill("#email", "");
      const seen = [];
      for (const ch of "bo@x.io") {
        await page.type("#email", ch);
        seen.push(await verdict(page));
      }
      // "b", "bo", "bo@" are not addresses; "bo@x" already is (WHATWG needs no dot), "bo@x." is not.
      assert.deepEqual(seen, ["422", "422", "422", "accepted", "422", "accepted", "accepted"]);
    });

    test("permission chips: each chip's error is shown, removing it clears the 422", async () => {
      const { page } = ctx;
      await page.fill("#email", "bo@x.io");
      await page.fill("#permission", "read");
      await page.press("#permission", "Enter");
      await page.fill("#permission", "Billing Write");
      await page.press("#permission", ",");
      assert.equal(await page.locator(".chip").count(), 2);
      assert.equal(await verdict(page), "422");
      assert.match(await errorFor(page, "permissions"), /“Billing Write”: Must match/);
      assert.equal(await page.locator(".chip.invalid").count(), 1);
      await page.click('.chip[data-index="1"] button');
      assert.equal(await verdict(page), "accepted");
      // The permission being typed is judged before it becomes a chip.
      await page.fill("#permission", "read");
      assert.equal(await verdict(page), "422");
      assert.match(await errorFor(page, "permissions"), /“read”: Duplicate permission/);
      await page.fill("#permission", "");
      await page.press("#permission", "Backspace"); // removes the last chip
      assert.equal(await page.locator(".chip").count(), 0);
    });

    test("a workspace membership id instead of an email", async () => {
      const { page } = ctx;
      await page.check('input[name=member][value="workspace_membership_id"]');
      assert.equal(await page.isVisible("#email"), false);
      assert.equal(await verdict(page), "422");
      assert.equal(await errorFor(page, "workspace_membership_id"), "Must not be empty.");
      await page.fill("#workspace_membership_id", "wsm_1");
      assert.equal(await verdict(page), "accepted");
      assert.deepEqual(JSON.parse(await page.textContent("#envelope")), {
        workspace_membership_id: "wsm_1",
        permissions: [],
      });
      await page.check('input[name=member][value="email"]');
    });

    test("a secret key raises the warning; a publishable key is a 403; neither is sent", async () => {
      const { page } = ctx;
      await page.fill("#email", "bo@x.io");
      assert.equal(await page.isVisible("#secret-warning"), false);
      await page.fill("#token", "sk_test_4eC39HqLyjWDarjtT1zdp7dc");
      assert.equal(await page.isVisible("#secret-warning"), true);
      assert.match(await page.textContent("#secret-warning"), /Secret keys must never be used in a browser/);
      assert.match(await page.textContent("#credential"), /secret key \(test mode\)/);
      assert.equal(await verdict(page), "accepted");
      assert.doesNotMatch(await page.textContent("#notes"), /No Bearer credential/);
      // The request shown never echoes the credential.
      assert.doesNotMatch(await page.textContent("#request"), /sk_test_/);

      // Pasted with its scheme, a live key: still recognized.
      await page.fill("#token", "Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc");
      assert.equal(await page.isVisible("#secret-warning"), true);
      assert.match(await page.textContent("#credential"), /secret key \(live mode\)/);

      await page.fill("#token", "pk_test_TYooMQauvdEDq54NiTphI7jx");
      assert.equal(await page.isVisible("#secret-warning"), false);
      assert.equal(await verdict(page), "403");
      assert.equal(await errorFor(page, "token"), "Publishable keys cannot create memberships.");

      await page.fill("#token", "not a token");
      assert.equal(await verdict(page), "401");
      assert.equal(await errorFor(page, "token"), "The Bearer credential is malformed.");
      await page.fill("#token", "");
      assert.equal(await errorFor(page, "token"), "");
    });

    test("a JWT: shape checked, claims shown as not verified, exp read", async () => {
      const { page } = ctx;
      await page.fill("#token", jwt({ alg: "RS256", kid: "k1" }, { sub: "usr_1", exp: now() - 3600, livemode: false }));
      assert.equal(await verdict(page), "accepted");
      assert.match(await page.textContent("#credential"), /jwt \(test mode\)/);
      assert.match(await page.textContent("#credential"), /The token has expired\. \(not verified\)/);
      assert.equal(await page.isVisible("#claims-block"), true);
      assert.match(await page.textContent("#claims-block summary"), /NOT verified/);
      assert.equal(JSON.parse(await page.textContent("#claims")).sub, "usr_1");
      assert.match(await page.textContent("#notes"), /NOT verified/);

      await page.fill("#token", jwt({ alg: "HS256" }, { sub: "usr_1", exp: now() + 3600 }));
      assert.match(await page.textContent("#credential"), /jwt \(live mode\).*not expired \(not verified\)/s);

      await page.fill("#token", jwt({ alg: "none" }, { sub: "usr_1", exp: now() + 3600 }));
      assert.equal(await verdict(page), "401");
      assert.equal(await errorFor(page, "token"), "The token's algorithm is not accepted.");

      await page.fill("#token", `${b64url({ alg: "HS256" })}.!!.x`);
      assert.equal(await verdict(page), "401");
      assert.equal(await errorFor(page, "token"), "The token is malformed.");
      await page.fill("#token", "");
      assert.equal(await page.isVisible("#claims-block"), false);
    });

    test("an exp the core accepts but a JavaScript Date cannot hold (1e13 s) keeps the page updating", async () => {
      const { page } = ctx;
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.fill("#token", jwt({ alg: "HS256" }, { sub: "usr_1", exp: 1e13 }));
      assert.match(
        await page.textContent("#credential"),
        /10000000000000 \(beyond the dates a browser can show\): not expired/,
      );
      await page.fill("#email", "not-an-email"); // still judging after it
      assert.equal(await verdict(page), "422");
      await page.fill("#email", "bo@x.io");
      await page.fill("#token", "");
      assert.deepEqual(errors, []);
    });

    test("a 20 kB body is a 413", async () => {
      const { page } = ctx;
      await page.fill("#email", `${"a".repeat(20 * 1024)}@example.com`);
      assert.equal(await verdict(page), "413");
      assert.match(await page.textContent("#verdict"), /^413 Content Too Large — Request body is too large\./);
      assert.match(await page.textContent("#request"), /\(20\d{3} bytes\)/);
      await page.fill("#email", "bo@x.io");
      assert.equal(await verdict(page), "accepted");
    });

    test("an account id the edge refuses is shown next to the account field", async () => {
      const { page } = ctx;
      await page.fill("#account_id", "acct 1");
      assert.equal(await verdict(page), "400");
      assert.equal(await errorFor(page, "account_id"), "Query parameter account_id is malformed.");
      await page.fill("#account_id", "acct_1");
      assert.equal(await errorFor(page, "account_id"), "");
    });

    test("nothing typed leaves the page: no request but its own assets and config.json", async () => {
      const { context, page, requests, errors } = await openPreview(browser, `${served.url}/preview/`);
      try {
        const paths = requests.map((r) => `${r.method} ${new URL(r.url).pathname}`).sort();
        assert.deepEqual(paths, [
          "GET /preview/",
          "GET /preview/app.js",
          "GET /preview/config.json",
          "GET /preview/file-warning.js",
          "GET /preview/membership-preview.mjs",
          "GET /preview/membership-preview.wasm",
          "GET /preview/preview.mjs",
          "GET /preview/style.css",
        ]);
        assert.ok(requests.every((r) => new URL(r.url).origin === served.url));
        const loaded = requests.length;

        // Type into every field, use every control.
        await page.type("#account_id", "acct_1");
        await page.type("#email", "ann@example.com");
        await page.type("#permission", "read,billing:write");
        await page.press("#permission", "Enter");
        await page.type("#permission", "admin");
        await page.press("#permission", "Tab");
        await page.click('.chip[data-index="0"] button');
        await page.check('input[name=member][value="workspace_membership_id"]');
        await page.type("#workspace_membership_id", "wsm_1");
        await page.check('input[name=member][value="email"]');
        await page.type("#token", "sk_test_4eC39HqLyjWDarjtT1zdp7dc");
        await page.fill("#token", jwt({ alg: "RS256" }, { sub: "u", exp: now() + 60 }));
        await page.press("#token", "Enter"); // a submit attempt goes nowhere
        for (const sel of ["#envelope-block summary", "#request-block summary", "#claims-block summary"])
          await page.click(sel);
        await page.waitForTimeout(300); // let anything queued (a beacon, a prefetch) go out

        assert.deepEqual(requests.slice(loaded), [], "the preview made a request while typing");
        assert.equal(page.url(), `${served.url}/preview/`, "the form navigated");
        assert.deepEqual(errors, []);

        // Control: the recorder does see a request the page makes.
        await page.evaluate(() => fetch("./probe").catch(() => {}));
        assert.deepEqual(
          requests.slice(loaded).map((r) => new URL(r.url).pathname),
          ["/preview/probe"],
        );
      } finally {
        await context.close();
      }
    });
  });

test("the page judges with the settings the worker serves at /preview/config.json", async () => {
  const settings = {
    max_body_bytes: 512,
    allowed_permissions: ["read", "write"],
    permission_pattern: "^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$",
  };
  const edge = await serveStatic(SITE, {
    "/preview/config.json": (req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(settings)),
  });
  const { context, page, errors } = await openPreview(browser, `${edge.url}/preview/`);
  try {
    assert.equal(await page.getAttribute("body", "data-settings"), "edge");
    assert.match(await page.textContent("#settings"), /from the edge.*at most 512 bytes/);
    assert.equal(await page.textContent("#permissions-hint"), "Allowed: read, write");
    assert.deepEqual(await page.$$eval("#allowed-permissions option", (os) => os.map((o) => o.value)), [
      "read",
      "write",
    ]);
    await page.fill("#account_id", "acct_1");
    await page.fill("#email", "ann@example.com");
    await page.fill("#permission", "billing:write"); // fine by the pattern, not in the list
    assert.equal(await verdict(page), "422");
    assert.match(await errorFor(page, "permissions"), /Not an allowed permission/);
    await page.fill("#permission", "write");
    assert.equal(await verdict(page), "accepted");
    await page.fill("#email", `${"a".repeat(500)}@example.com`); // under the default, over 512
    assert.equal(await verdict(page), "413");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await edge.close();
  }
});

test("an unreadable config.json falls back to the defaults and says so", async () => {
  const edge = await serveStatic(SITE, {
    "/preview/config.json": (req, res) =>
      res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><p>app shell</p>"),
  });
  const { context, page } = await openPreview(browser, `${edge.url}/preview/`);
  try {
    assert.equal(await page.getAttribute("body", "data-settings"), "defaults");
    assert.match(await page.textContent("#settings"), /defaults — .*config\.json/);
  } finally {
    await context.close();
    await edge.close();
  }
});

test("opened from file:// the page explains that it must be served", async () => {
  const { context, page } = await openPreview(browser, pathToFileURL(join(PREVIEW_DIR, "index.html")).href, {
    ready: false,
  });
  try {
    await page.waitForFunction(() => document.getElementById("verdict").dataset.status === "file");
    assert.match(await page.textContent("#verdict"), /browsers refuse ES modules and WebAssembly from file:\/\//);
    assert.equal(await page.getAttribute("body", "data-ready"), null, "the module should not have loaded");
  } finally {
    await context.close();
  }
});
