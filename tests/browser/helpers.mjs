// Shared pieces of the browser preview tests: a loopback static file server (the "any static file
// server" case), Debian's Chromium through playwright-core, and the WASI command as a second edge
// to compare the module's answers with.
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { WASI } from "node:wasi";
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { assertAnswer } from "../openapi.mjs";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const SITE = join(ROOT, "dist/site");
export const PREVIEW_DIR = join(SITE, "preview");
export const WASI_CLI = join(ROOT, "dist/wasi/membership-cli.wasm");
export const HARNESS = join(ROOT, "tests/worker/harness.mjs");
export const BUILD_HINT =
  "build it first: NODE_PATH=/usr/share/nodejs cmake --preset browser && cmake --build --preset browser";

// The preview's fixed JWT placeholders (wasm/browser_entry.cpp): an edge configured alike judges
// tokens alike, so the two can be compared on JWT cases too.
export const JWT_VARS = {
  JWT_ISSUER: "preview",
  JWT_AUDIENCE: "preview",
  JWT_HS256_SECRET: "preview-placeholder-never-a-real-secret",
  JWT_JWKS_URL: "https://preview.invalid/jwks",
};

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
};

/**
 * Serves `root` on 127.0.0.1 (port 0). `routes` maps a path to a handler (req, res) for what a
 * plain file server would not have, e.g. the worker's /preview/config.json.
 * @returns {Promise<{url: string, requests: string[], close(): Promise<void>}>}
 */
export async function serveStatic(root, routes = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    requests.push(`${req.method} ${path}`);
    if (routes[path]) return routes[path](req, res);
    let file = normalize(join(root, path));
    if (!file.startsWith(root + sep) && file !== root) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) {
      if (!path.endsWith("/")) return void res.writeHead(301, { Location: `${path}/` }).end();
      file = join(file, "index.html");
    }
    if (!existsSync(file)) return void res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-store",
    });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(ok);
      }),
  };
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-gpu",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

export function launchChromium() {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
}

/**
 * Opens the preview page and waits until the module has judged the empty form. Records every
 * request the page makes and every script error.
 */
export async function openPreview(browser, url, { viewport = { width: 900, height: 1100 }, ready = true } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push({ method: r.method(), url: r.url() }));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // A plain file server has no config.json: the browser logs that 404, the page uses defaults.
    if (m.type() === "error" && !/status of 404/.test(m.text())) errors.push(m.text());
  });
  await page.goto(url);
  if (ready) await page.waitForSelector("body[data-ready]");
  return { context, page, requests, errors };
}

// ---- the WASI command as an edge ----------------------------------------------------------

/**
 * Answers wire-format requests ({method, target, headers: [[n, v]], body}) with
 * dist/wasi/membership-cli.wasm --ndjson: the edge's core, in its own build, with an empty KV.
 * @returns {Array<{status: number, headers: Array<[string,string]>, body: string}>}
 */
export function wasiEdge(requests, vars = {}) {
  const dir = mkdtempSync(join(tmpdir(), "mb-preview-"));
  try {
    const kv = join(dir, "kv"); // empty: every record is absent
    const origin = join(dir, "origin"); // no recorded answers: a forward would be a 502
    mkdirSync(kv);
    mkdirSync(origin);
    const input = join(dir, "in.ndjson");
    const output = join(dir, "out.ndjson");
    writeFileSync(input, requests.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const stdin = openSync(input, "r");
    const stdout = openSync(output, "w");
    const stderr = openSync(join(dir, "err.log"), "w");
    try {
      const wasi = new WASI({
        version: "preview1",
        args: ["membership-cli", "--ndjson"],
        env: { ROUTING: "edge", RATE_LIMIT_PER_MINUTE: "0", ...vars },
        preopens: { "/kv": kv, "/origin": origin },
        stdin,
        stdout,
        stderr,
      });
      const module = new WebAssembly.Module(readFileSync(WASI_CLI));
      const instance = new WebAssembly.Instance(module, wasi.getImportObject());
      wasi.start(instance);
    } finally {
      for (const fd of [stdin, stdout, stderr]) closeSync(fd);
    }
    const answers = readFileSync(output, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    // Each answer must agree with docs/openapi.yaml, as the WASI runner checks (tests/openapi.mjs).
    answers.forEach((a, i) => assertAnswer({ method: requests[i]?.method ?? "POST", path: requests[i]?.target, ...a }));
    return answers;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// One Chromium page on the preview served by a static server, for the whole test file:
// `const session = usePreviewPage();` then `session.page` inside tests.
export function usePreviewPage() {
  const session = {};
  before(async () => {
    assert.ok(existsSync(join(PREVIEW_DIR, "membership-preview.wasm")), `dist/site/preview is missing: ${BUILD_HINT}`);
    session.browser = await launchChromium();
    session.server = await serveStatic(SITE);
    Object.assign(session, await openPreview(session.browser, `${session.server.url}/preview/`));
  });
  after(async () => {
    await session.context?.close();
    await session.browser?.close();
    await session.server?.close();
  });
  return session;
}
