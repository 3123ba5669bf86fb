// The worker's static assets serve the API reference built from docs/openapi.yaml (cmake/browser.cmake,
// scripts/build-reference.mjs), and the preview page links to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker, root } from "./harness.mjs";

test("/reference/ is the HTML reference, /reference/openapi.yaml the document, linked from /preview/", async () => {
  const worker = await startWorker({ vars: { ROUTING: "edge" } });
  try {
    const get = async (path) => {
      const res = await fetch(worker.url + path, { signal: AbortSignal.timeout(20000) });
      return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
    };
    const html = await get("/reference/");
    assert.equal(html.status, 200, "build the browser preset first: scripts/build browser");
    assert.match(html.type, /^text\/html/);
    assert.ok(html.text.includes("Create account membership"), "the operation is not in the page");
    assert.doesNotMatch(html.text, /<script[^>]+src="https?:/, "the page loads a remote script");
    const yaml = await get("/reference/openapi.yaml");
    assert.equal(yaml.status, 200);
    assert.equal(yaml.text, readFileSync(join(root, "docs", "openapi.yaml"), "utf8"), "the served document is stale");
    const preview = await get("/preview/");
    assert.match(preview.text, /href="\.\.\/reference\/"/);
  } finally {
    await worker.stop();
  }
});
