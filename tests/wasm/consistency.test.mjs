// Consistent creates in the WASI command (SPEC §4): its KV directory is the write authority
// (a file linked into place, or created exclusively), so concurrent processes on one directory
// create one membership; FAULTS=kv_get:stale plays a read replica that lags.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { rawRequest, parseResponse, seedKvDir, encodeKey, tempDir, root, runCli } from "./wasi_runner.mjs";
import { bulkEntries } from "../../scripts/seed.mjs";
import { layoutKey } from "../../scripts/kv_layout.mjs";

const seed = bulkEntries(JSON.parse(readFileSync(join(root, "tests", "scenarios", "seed.json"), "utf8")));
const KEY = "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const request = (json, headers = {}) => rawRequest({ method: "POST", target: "/v1/account-memberships/?account_id=acct_1",
  headers: { Authorization: KEY, "Content-Type": "application/json", ...headers }, json });

// One OS process per request (node host-shims/wasi/run.mjs, wasmtime's arguments), all at once.
function runProcess(input, kv, env = {}) {
  return new Promise((resolve, reject) => {
    const args = [join(root, "host-shims", "wasi", "run.mjs"), "--dir", `${kv}::/kv`, "--env", "ROUTING=edge",
                  ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`])];
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    child.stdout.on("data", (d) => out.push(d));
    child.on("error", reject);
    child.on("close", () => resolve(parseResponse(Buffer.concat(out))));
    child.stdin.end(input);
  });
}

const count = (results) => results.reduce((c, r) => ({ ...c, [r.status]: (c[r.status] ?? 0) + 1 }), {});

test("12 concurrent processes, one membership: one 201, the rest 200 with the same id, one file", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  try {
    const results = await Promise.all(Array.from({ length: 12 }, () => runProcess(request({ email: "race@example.com" }), kv)));
    assert.deepEqual(count(results), { 200: 11, 201: 1 });
    assert.equal(new Set(results.map((r) => r.json.data.id)).size, 1);
    const file = encodeKey(layoutKey("account_membership:test:acct_1:email:race@example.com"));
    assert.ok(readdirSync(kv).includes(file));
    assert.ok(!readdirSync(kv).some((n) => n.startsWith(".tmp-")), "a temporary file was left behind");
  } finally {
    rmSync(kv, { recursive: true, force: true });
  }
});

test("12 concurrent processes under one Idempotency-Key: one 201 and 11 replays of it", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  try {
    const results = await Promise.all(Array.from({ length: 12 }, () =>
      runProcess(request({ email: "race-key@example.com" }, { "Idempotency-Key": "race-1" }), kv)));
    assert.deepEqual(count(results), { 201: 12 });
    assert.equal(results.filter((r) => r.header("idempotent-replayed") === "true").length, 11);
    assert.equal(new Set(results.map((r) => r.text)).size, 1);
  } finally {
    rmSync(kv, { recursive: true, force: true });
  }
});

test("kv_get:stale: an existing membership answers 200 with its id; a keyed retry its stored answer", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const env = { ROUTING: "edge", ALLOW_FAULT_INJECTION: "true", FAULTS: "kv_get:stale" };
  try {
    const go = async (json, headers) => parseResponse((await runCli(request(json, headers), { env, kvDir: kv })).stdout);
    const first = await go({ email: "stale@example.com" });
    assert.equal(first.status, 201);
    const again = await go({ email: "stale@example.com" });
    assert.equal(again.status, 200);
    assert.equal(again.json.data.id, first.json.data.id);
    const keyed = await go({ email: "stale-key@example.com" }, { "Idempotency-Key": "st-1" });
    const retry = await go({ email: "stale-key@example.com" }, { "Idempotency-Key": "st-1" });
    assert.equal(retry.status, 201);
    assert.equal(retry.text, keyed.text);
    assert.equal(retry.header("idempotent-replayed"), "true");
  } finally {
    rmSync(kv, { recursive: true, force: true });
  }
});
