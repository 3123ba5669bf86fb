// docs/errors.md is the catalogue of src/errors.h, and every code is explained.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  renderErrorsDoc,
  errorRows,
  generatedDocs,
  STATUS_TEXT,
  PROBLEM_TYPE_BASE,
} from "../../scripts/errors-doc.mjs";
import { root } from "../worker/harness.mjs";

test("docs/errors.md matches src/errors.h (regenerate with node scripts/errors-doc.mjs)", () => {
  assert.equal(readFileSync(join(root, "docs", "errors.md"), "utf8"), renderErrorsDoc());
});

test("every code is status*100+n, unique, and has a 'when' explanation", () => {
  const rows = errorRows();
  assert.ok(rows.length >= 40);
  assert.equal(new Set(rows.map((r) => r.code)).size, rows.length);
  const doc = renderErrorsDoc();
  for (const r of rows) {
    assert.equal(Math.floor(r.code / 100), r.status);
    // Each row is the anchor the `type` of a problem-details answer points to (#<code>).
    assert.match(
      doc,
      new RegExp(`\\| <a id="${r.code}"></a>${r.code} \\| ${r.status} \\| \`${r.name}\` \\| [^|]+ \\| [^|]{10,}`),
      r.name,
    );
  }
});

// docs/api.md's table of statuses and codes (and of field error reasons) and docs/openapi.yaml's
// ErrorCode<status> enums are generated from the same catalogue.
test("docs/api.md and docs/openapi.yaml carry the catalogue of src/errors.h (regenerate with node scripts/errors-doc.mjs)", () => {
  for (const [path, text] of generatedDocs())
    assert.equal(readFileSync(join(root, path), "utf8"), text, `${path} is out of date`);
});

test("docs/api.md lists every code under its status", () => {
  const api = readFileSync(join(root, "docs", "api.md"), "utf8");
  const table = api.slice(api.indexOf("<!-- errors:begin -->"), api.indexOf("<!-- errors:end -->"));
  for (const r of errorRows())
    assert.ok(table.includes(`| ${r.status} ${STATUS_TEXT[r.status]} | ${r.code} | \`${r.name}\` |`), r.name);
});

test("the problem type base of the core is the one docs/errors.md documents", () => {
  const header = readFileSync(join(root, "src", "problem_details.h"), "utf8");
  const base = /kProblemTypeBase = "([^"]+)"/.exec(header)?.[1];
  assert.equal(base, PROBLEM_TYPE_BASE);
  assert.ok(renderErrorsDoc().includes(`\`${PROBLEM_TYPE_BASE}<code>\``));
});
