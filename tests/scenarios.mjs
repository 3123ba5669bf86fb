// The shared scenario files, for the JS runners (worker, WASI command, browser). The native
// runner is tests/unit/scenarios.cpp; both check the same expectations, scripted outcomes and
// effect traces (the format: docs/reliability.md, "Scenario files").
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const scenarioDir = join(dirname(fileURLToPath(import.meta.url)), "scenarios");

export function scenarioFiles() {
  return readdirSync(scenarioDir)
    .filter((f) => /^\d.*\.json$/.test(f))
    .sort()
    .map((f) => ({ file: f, ...JSON.parse(readFileSync(join(scenarioDir, f), "utf8")) }));
}

export function forHost(c, host) {
  return !c.hosts || c.hosts.includes(host);
}

// The cases a host runs, and those it leaves to others. A case (or its whole file) names its
// hosts only with a reason (hosts_reason), so no case is skipped silently; runners report every
// skip. A file's hosts and reason apply to the cases that name none of their own.
export function casesFor(doc, host) {
  const run = [],
    skipped = [];
  for (const own of doc.cases) {
    const c = own.hosts || !doc.hosts ? own : { ...own, hosts: doc.hosts, hosts_reason: doc.hosts_reason };
    if (c.hosts && !c.hosts_reason) throw new Error(`${doc.file}: case "${c.name}" lists hosts without hosts_reason`);
    (forHost(c, host) ? run : skipped).push(c);
  }
  return { run, skipped };
}

// ---- scripted outcomes and effect traces ------------------------------------------------------

// outcomes.faults: names of docs/configuration.md's FAULTS, performed by the host for this case.
export const caseFaults = (c) => c.outcomes?.faults ?? [];
// outcomes.origin: the origin's answer, as a WASI origin recording ({status, body} or {error}).
export const scriptedOrigin = (c) => c.outcomes?.origin ?? null;
// outcomes.records: what the store's reads answer from this case on, in seed.json's "records"
// form (readable key -> record, or its text when it must not be JSON); each host stores them first.
export const scriptedRecords = (c) => (c.outcomes?.records ? { records: c.outcomes.records } : null);

// The environment of the WASI command for one case: the file's settings, the case's faults, and
// the effect trace on stderr.
export function wasiCaseEnv(doc, c) {
  const env = { ...doc.vars, MB_TRACE_EFFECTS: "1" };
  if (caseFaults(c).length) env.FAULTS = caseFaults(c).join(",");
  return env;
}

const seedKeys = Object.keys(JSON.parse(readFileSync(join(scenarioDir, "seed.json"), "utf8")).api_keys);
const sha256hex = (s) => createHash("sha256").update(s, "utf8").digest("hex");

// A host's trace ({rounds: [[line]], background: [line]}) as scenario files write it: an API
// key's hash as sha256(<the key>) when it is a seed key or the request's bearer, and the origin
// URL a runner substituted (originFrom, e.g. a loopback server) as the file's ORIGIN_URL.
export function readableTrace(trace, request, { originFrom, originTo } = {}) {
  const bearer = Object.entries(request.headers ?? {}).find(([k]) => k.toLowerCase() === "authorization")?.[1];
  const tokens = [...seedKeys, ...(bearer?.startsWith("Bearer ") ? [bearer.slice(7)] : [])];
  const hashes = new Map(tokens.map((t) => [sha256hex(t), t]));
  const line = (l) => {
    const m = / apikey:([0-9a-f]{64})$/.exec(l);
    if (m && hashes.has(m[1])) l = `${l.slice(0, m.index)} apikey:sha256(${hashes.get(m[1])})`;
    if (originFrom && l.startsWith(`fetch `)) l = l.replace(` ${originFrom}`, ` ${originTo}`);
    return l;
  };
  return { rounds: trace.rounds.map((r) => r.map(line)), background: (trace.background ?? []).map(line) };
}

// The case's expected effects against a host's trace (checked only when the case has some).
export function checkEffects(c, trace, options) {
  if (!c.effects) return false;
  assert.ok(trace, `${c.name}: the host reported no effect trace`);
  const want = { rounds: c.effects.rounds, background: c.effects.background ?? [] };
  assert.deepEqual(readableTrace(trace, c.request, options), want, `${c.name}: effects`);
  return true;
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
  if (e.errors)
    assert.deepEqual(
      res.json.error.details.errors.map((x) => [x.field, x.reason]),
      e.errors,
      where,
    );
  if (e.data) {
    assert.equal(res.json?.success, true, where);
    subset(e.data, res.json.data);
    assert.match(res.json.data.id, /^am_[0-9A-Za-z]{24}$/, where);
    assert.match(res.json.data.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, where);
  }
  for (const [k, v] of Object.entries(e.headers ?? {})) assert.equal(res.header(k), v, `${where}: header ${k}`);
  for (const k of e.absent_headers ?? []) assert.equal(res.header(k), null, `${where}: header ${k} present`);
  for (const [k, v] of Object.entries(e.header_prefix ?? {}))
    assert.ok(res.header(k)?.startsWith(v), `${where}: header ${k}`);
}
