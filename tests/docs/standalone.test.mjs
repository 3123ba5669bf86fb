// The repository explains itself: no file of the product points outside it (to the design notes
// its authors worked from), and the README leads to the contract in docs/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../worker/harness.mjs";

test("no tracked file refers to a path outside the repository's own tree", () => {
  const files = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .filter((f) => !/\.(wasm|png|gz|ico|woff2?)$/.test(f));
  const offenders = [];
  for (const f of files) {
    let text;
    try {
      text = readFileSync(join(root, f), "utf8");
    } catch {
      continue;
    }
    if (/\.\.\/shared\/|shared\/(SPEC|STYLE)\.md|shared\/seed\//.test(text)) offenders.push(f);
  }
  assert.deepEqual(offenders, []);
});

test("the README leads to the API reference and the OpenAPI document", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  assert.match(readme, /docs\/api\.md/);
  assert.match(readme, /docs\/openapi\.yaml/);
});
