// The shared scenario files, for the JS runners (worker, WASI command, browser). The native
// runner is tests/unit/scenarios.cpp; both check the same expectations.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const scenarioDir = join(dirname(fileURLToPath(import.meta.url)), "scenarios");

export function scenarioFiles() {
  return readdirSync(scenarioDir).filter((f) => /^\d.*\.json$/.test(f)).sort()
    .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(scenarioDir, f), "utf8")) }));
}

export function forHost(c, host) {
  return !c.hosts || c.hosts.includes(host);
}

// The cases a host runs, and those it leaves to others. A case names its hosts only with a
// reason (hosts_reason), so no case is skipped silently; runners report every skip.
export function casesFor(doc, host) {
  const run = [], skipped = [];
  for (const c of doc.cases) {
    if (c.hosts && !c.hosts_reason) throw new Error(`${doc.file}: case "${c.name}" lists hosts without hosts_reason`);
    (forHost(c, host) ? run : skipped).push(c);
  }
  return { run, skipped };
}

function subset(want, got, path = "data") {
  if (want !== null && typeof want === "object" && !Array.isArray(want)) {
    assert.ok(got && typeof got === "object", `${path} is not an object`);
    for (const [k, v] of Object.entries(want)) subset(v, got[k], `${path}.${k}`);
    return;
  }
  assert.deepEqual(got, want, `${path} differs`);
}

// res: {status, header(name) -> string|null, json, text}
export function checkCase(c, res) {
  const e = c.expect;
  const where = `${c.name}: ${res.text?.slice(0, 300)}`;
  assert.equal(res.status, e.status, where);
  assert.equal(res.header("content-type"), "application/json", where);
  assert.ok(res.header("x-request-id"), `${where}: no X-Request-Id`);
  if (e.code !== undefined) {
    assert.equal(res.json?.success, false, where);
    assert.equal(res.json.error.code, e.code, where);
    assert.equal(res.json.message, res.json.error.message, where);
    assert.equal(typeof res.json.error.details, "object", where);
  }
  if (e.errors) assert.deepEqual(res.json.error.details.errors.map((x) => [x.field, x.reason]), e.errors, where);
  if (e.data) {
    assert.equal(res.json?.success, true, where);
    subset(e.data, res.json.data);
    assert.match(res.json.data.id, /^am_[0-9A-Za-z]{24}$/, where);
    assert.match(res.json.data.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, where);
  }
  for (const [k, v] of Object.entries(e.headers ?? {})) assert.equal(res.header(k), v, `${where}: header ${k}`);
  for (const k of e.absent_headers ?? []) assert.equal(res.header(k), null, `${where}: header ${k} present`);
  for (const [k, v] of Object.entries(e.header_prefix ?? {})) assert.ok(res.header(k)?.startsWith(v), `${where}: header ${k}`);
}
