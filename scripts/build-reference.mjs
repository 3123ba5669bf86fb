#!/usr/bin/env node
// Builds the API reference the worker's static assets serve at /reference/ (cmake/browser.cmake
// runs it): docs/openapi.yaml copied as is, and one self-contained HTML page rendered from it by
// Redocly. --inlineBundle puts Redoc's script into the page, so it needs no CDN (and the build
// needs no network). Quiet unless it fails: Redocly's banners would read as build warnings.
//   node scripts/build-reference.mjs <output dir>
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(process.argv[2] ?? join(root, "dist", "site", "reference"));
mkdirSync(out, { recursive: true });
copyFileSync(join(root, "docs", "openapi.yaml"), join(out, "openapi.yaml"));

const r = spawnSync(
  join(root, "node_modules", ".bin", "redocly"),
  [
    "build-docs",
    "docs/openapi.yaml",
    "--inlineBundle",
    "--title",
    "Membership edge API reference",
    "-o",
    join(out, "index.html"),
  ],
  {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  },
);
if (r.status !== 0) {
  process.stderr.write(
    `redocly build-docs failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout ?? ""}${r.stderr ?? ""}`,
  );
  process.exit(1);
}
// The page must stand alone: no script or stylesheet from elsewhere.
const html = readFileSync(join(out, "index.html"), "utf8");
const remote = /<(?:script|link)\b[^>]*\b(?:src|href)="https?:\/\/[^"]*"/i.exec(html);
if (remote) {
  process.stderr.write(`the reference page loads a remote resource: ${remote[0]}\n`);
  process.exit(1);
}
