// The WASI command under a second WASI implementation: the Bytecode Alliance's preview1 component
// adapter (`jco new --wasi-command`) and jco's preview2-shim on Node (`jco run`), with /kv preopened
// by host-shims/wasi/jco-preopen.mjs. Every shared scenario case is checked, and every answer must
// be byte-equal to node:wasi's (tests/wasm/wasi_runner.mjs) and to the native build's when built.
//
// Speed: `jco run` transpiles the component on every call (about 3 s here) and then runs the
// `_run.js` it wrote with Node. The component is adapted once per test run, `jco run --jco-dir`
// transpiles it once (its first runs below go through the jco CLI itself), and each scenario case
// then runs that same `_run.js` in a fresh Node process, as `jco run` spawns it: the same
// adapter, the same transpiled component, the same preview2-shim, without transpiling 96 times.
// Those runs pass V8 `--liftoff-only` as `JCO_RUN_ARGS=--liftoff-only jco run …` would (jco's own
// way to give its Node flags): the baseline wasm compiler only, no optimizing tier-up for a process
// that lives half a second (about 30% faster here; the answers are the same, and the runs through
// the jco CLI above keep V8's defaults).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  runCli,
  rawRequest,
  parseResponse,
  checkAnswers,
  seedKvDir,
  encodeKey,
  cliPath,
  tempDir,
  root,
  originDirFor,
} from "./wasi_runner.mjs";
import {
  scenarioFiles,
  casesFor,
  forHost,
  checkCase,
  checkEffects,
  wasiCaseEnv,
  scriptedRecords,
} from "../scenarios.mjs";
import { layoutKey } from "../../scripts/kv_layout.mjs";
import { bulkEntries } from "../../scripts/seed.mjs";

const jco = join(root, "node_modules", ".bin", "jco");
const preopenModule = join(root, "host-shims", "wasi", "jco-preopen.mjs");
const nativeCli = join(root, "build", "native", "membership-cli-native");
const seed = bulkEntries(JSON.parse(readFileSync(join(root, "tests", "scenarios", "seed.json"), "utf8")));
const FIXED = { MB_FIXED_NOW_MS: "1795835220000", MB_FIXED_RANDOM_SEED: "jco-test" };
const hasNative = existsSync(nativeCli);
const RUN_ARGS = (process.env.JCO_RUN_ARGS ?? "--liftoff-only").split(" ").filter(Boolean);

let work, component, runJs;

before(() => {
  work = mkdtempSync(join(tmpdir(), "mb-jco-"));
  component = join(work, "membership-cli.component.wasm");
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// The environment jco's child sees: only what is given (jco run passes its whole environment on).
const childEnv = (env) => ({ PATH: process.env.PATH, ...env });

// Runs `jco run` itself (the CLI) in cwd. Returns {exitCode, stdout: Buffer, stderr}.
function jcoRunCli(input, { env = {}, cwd = work, jcoDir = null } = {}) {
  const args = ["run", ...(jcoDir ? ["--jco-dir", jcoDir] : []), "--jco-import", preopenModule, component];
  const r = spawnSync(jco, args, { input, cwd, env: childEnv(env), maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  checkAnswers(input, [], r.stdout);
  return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

// Runs one request through the transpiled component as `jco run` does (node _run.js, stdin a
// file as with `< request.http`), falling back to the CLI when jco wrote no _run.js.
function runJco(input, { env = {}, kvDir = null, originDir = null } = {}) {
  const vars = { ...env, ...(kvDir ? { MB_KV_DIR: kvDir } : {}), ...(originDir ? { MB_ORIGIN_DIR: originDir } : {}) };
  if (!runJs) return jcoRunCli(input, { env: vars });
  const file = join(work, "stdin");
  writeFileSync(file, input);
  const fd = openSync(file, "r");
  try {
    const r = spawnSync(process.execPath, [...RUN_ARGS, runJs], {
      stdio: [fd, "pipe", "pipe"],
      cwd: work,
      env: childEnv(vars),
      maxBuffer: 64 << 20,
    });
    if (r.error) throw r.error;
    checkAnswers(input, [], r.stdout); // tests/openapi.mjs, as for every answer of node:wasi
    return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
  } finally {
    closeSync(fd);
  }
}

const demoRequest = Buffer.from(
  rawRequest({
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Authorization: "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc", "Content-Type": "application/json" },
    json: { email: "ann@example.com" },
  }),
);

test("jco new --wasi-command adapts the command; jco run answers it (503 without /kv, 201 with it)", (t) => {
  let t0 = Date.now();
  execFileSync(jco, ["new", cliPath, "--wasi-command", "-o", component], { stdio: ["ignore", "ignore", "pipe"] });
  const adaptMs = Date.now() - t0;
  assert.ok(statSync(component).size > statSync(cliPath).size, "the component wraps the core module");

  // No ./kv in the working directory, no MB_KV_DIR: no /kv preopen, as wasmtime without --dir.
  const empty = mkdtempSync(join(work, "cwd-"));
  const without = jcoRunCli(demoRequest, { env: { ROUTING: "edge" }, cwd: empty });
  assert.equal(without.exitCode, 0, without.stderr);
  assert.equal(parseResponse(without.stdout).status, 503, without.stdout.toString());

  // ./kv in the working directory is preopened at /kv (the docs/wasi.md line); --jco-dir keeps the
  // transpiled component and jco's _run.js for the scenario runs.
  const kv = join(empty, "kv");
  seedKvDir(kv, seed);
  t0 = Date.now();
  const withKv = jcoRunCli(demoRequest, { env: { ROUTING: "edge" }, cwd: empty, jcoDir: join(work, "run") });
  const runMs = Date.now() - t0;
  assert.equal(withKv.exitCode, 0, withKv.stderr);
  const res = parseResponse(withKv.stdout);
  assert.equal(res.status, 201, withKv.stdout.toString());
  assert.equal(res.json.data.user.email, "ann@example.com");
  if (existsSync(join(work, "run", "_run.js"))) runJs = join(work, "run", "_run.js");
  else t.diagnostic("jco run --jco-dir wrote no _run.js: each case runs the jco CLI (about 3 s a case)");
  rmSync(empty, { recursive: true, force: true });
  t.diagnostic(`jco new: ${adaptMs} ms; jco run (transpile + run): ${runMs} ms`);
});

for (const doc of scenarioFiles()) {
  test(`scenarios ${doc.file} through jco: each case checked, byte-equal to node:wasi${hasNative ? " and native" : ""}`, async (t) => {
    assert.ok(existsSync(component), "the component was not built (first test)");
    const kv = { jco: tempDir(), wasi: tempDir(), native: tempDir() };
    for (const d of Object.values(kv)) seedKvDir(d, seed);
    const { run, skipped } = casesFor(doc, "wasi");
    for (const c of skipped) t.diagnostic(`not for this host: ${c.name} (${c.hosts_reason})`);
    let n = 0,
      nativeCompared = 0,
      jcoMs = 0,
      traced = 0;
    for (const c of run) {
      const input = rawRequest(c.request);
      const env = { ...wasiCaseEnv(doc, c), ...FIXED };
      const origin = { jco: originDirFor(c), wasi: originDirFor(c), native: originDirFor(c) };
      if (scriptedRecords(c)) for (const d of Object.values(kv)) seedKvDir(d, bulkEntries(scriptedRecords(c)));
      const t0 = Date.now();
      const out = runJco(input, { env, kvDir: kv.jco, originDir: origin.jco });
      jcoMs += Date.now() - t0;
      assert.equal(out.exitCode, 0, `${c.name}: exit ${out.exitCode} ${out.stderr}`);
      checkCase(c, parseResponse(out.stdout));
      for (const key of c.kv_exists ?? [])
        assert.ok(existsSync(join(kv.jco, encodeKey(layoutKey(key)))), `${c.name}: no KV file for ${key}`);
      const lines = out.stderr
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(lines.at(-1).status, c.expect.status, `${c.name}: log line`);
      traced += checkEffects(c, lines.find((l) => l.effects)?.effects);

      const wasi = await runCli(input, { env, kvDir: kv.wasi, originDir: origin.wasi });
      assert.equal(
        out.stdout.toString("latin1"),
        wasi.stdout.toString("latin1"),
        `${c.name}: jco and node:wasi differ`,
      );
      if (hasNative && forHost(c, "native")) {
        const originArgs = origin.native ? ["--origin", origin.native] : [];
        const native = execFileSync(nativeCli, ["--kv", kv.native, ...originArgs], {
          input,
          env: childEnv(env),
          stdio: ["pipe", "pipe", "ignore"],
        });
        assert.equal(out.stdout.toString("latin1"), native.toString("latin1"), `${c.name}: jco and native differ`);
        nativeCompared++;
      }
      for (const d of Object.values(origin)) if (d) rmSync(d, { recursive: true, force: true });
      n++;
    }
    assert.equal(n, run.length);
    assert.deepEqual(readdirSync(kv.jco).sort(), readdirSync(kv.wasi).sort(), "the jco and node:wasi stores differ");
    if (nativeCompared === n)
      assert.deepEqual(readdirSync(kv.jco).sort(), readdirSync(kv.native).sort(), "the jco and native stores differ");
    t.diagnostic(
      `${n} cases (${traced} with their effect trace), ${nativeCompared} also against native; jco ${Math.round(jcoMs / n)} ms a case`,
    );
    for (const d of Object.values(kv)) rmSync(d, { recursive: true, force: true });
  });
}

// /origin preopened too (MB_ORIGIN_DIR): a live-mode create answered from a recorded origin answer,
// the forward appended to /origin/requests.ndjson: the same bytes and files as under node:wasi.
test("live mode with a recorded origin under jco: the same answer, recording and store as node:wasi", async () => {
  assert.ok(existsSync(component), "the component was not built (first test)");
  const dirs = { jco: { kv: tempDir(), origin: tempDir() }, wasi: { kv: tempDir(), origin: tempDir() } };
  const data = {
    object: "account_membership",
    id: "am_Recorded000000000000000",
    account_id: "acct_1",
    user_id: null,
    workspace_membership_id: null,
    permissions: [],
    created_at: "2026-11-28T03:07:00Z",
    updated_at: "2026-11-28T03:07:00Z",
    user: { id: null, email: "rec@example.com", name: null },
  };
  for (const d of Object.values(dirs)) {
    seedKvDir(d.kv, seed);
    writeFileSync(
      join(d.origin, "default.json"),
      JSON.stringify({ status: 201, body: JSON.stringify({ message: "success", success: true, data }) }),
    );
  }
  const input = rawRequest({
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Authorization: "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc", "Content-Type": "application/json" },
    json: { email: "rec@example.com" },
  });
  const env = { ROUTING: "auto", ORIGIN_URL: "https://origin.example.com", ...FIXED };
  const out = runJco(input, { env, kvDir: dirs.jco.kv, originDir: dirs.jco.origin });
  assert.equal(out.exitCode, 0, out.stderr);
  const res = parseResponse(out.stdout);
  assert.equal(res.status, 201, out.stdout.toString());
  assert.equal(res.json.data.id, "am_Recorded000000000000000");
  const wasi = await runCli(input, { env, kvDir: dirs.wasi.kv, originDir: dirs.wasi.origin });
  assert.equal(out.stdout.toString("latin1"), wasi.stdout.toString("latin1"));
  assert.equal(
    readFileSync(join(dirs.jco.origin, "requests.ndjson"), "utf8"),
    readFileSync(join(dirs.wasi.origin, "requests.ndjson"), "utf8"),
  );
  assert.deepEqual(readdirSync(dirs.jco.kv).sort(), readdirSync(dirs.wasi.kv).sort());
  assert.ok(existsSync(join(dirs.jco.kv, encodeKey("account_membership:live:acct_1:email:rec@example.com"))));
  for (const d of Object.values(dirs)) for (const p of Object.values(d)) rmSync(p, { recursive: true, force: true });
});
