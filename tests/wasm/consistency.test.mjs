// Consistent creates in the WASI command (docs/storage.md): its KV directory is the write authority
// (a file linked into place, or created exclusively), so concurrent processes on one directory
// create one membership; FAULTS=kv_get:stale plays a read replica that lags.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rawRequest, parseResponse, seedKvDir, encodeKey, tempDir, root, runCli } from "./wasi_runner.mjs";
import { bulkEntries } from "../../scripts/seed.mjs";
import { layoutKey } from "../../scripts/kv_layout.mjs";

const seed = bulkEntries(JSON.parse(readFileSync(join(root, "tests", "scenarios", "seed.json"), "utf8")));
const KEY = "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
const request = (json, headers = {}) =>
  rawRequest({
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Authorization: KEY, "Content-Type": "application/json", ...headers },
    json,
  });

// One OS process per request (node host-shims/wasi/run.mjs, wasmtime's arguments), all at once.
function runProcess(input, kv, env = {}) {
  return new Promise((resolve, reject) => {
    const args = [
      join(root, "host-shims", "wasi", "run.mjs"),
      "--dir",
      `${kv}::/kv`,
      "--env",
      "ROUTING=edge",
      ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ];
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
    const results = await Promise.all(
      Array.from({ length: 12 }, () => runProcess(request({ email: "race@example.com" }), kv)),
    );
    assert.deepEqual(count(results), { 200: 11, 201: 1 });
    assert.equal(new Set(results.map((r) => r.json.data.id)).size, 1);
    const file = encodeKey(layoutKey("account_membership:test:acct_1:email:race@example.com"));
    assert.ok(readdirSync(kv).includes(file));
    assert.ok(!readdirSync(kv).some((n) => n.startsWith(".tmp-")), "a temporary file was left behind");
  } finally {
    rmSync(kv, { recursive: true, force: true });
  }
});

test("12 concurrent processes under one Idempotency-Key: one fresh 201, the others its replay or 40903", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  try {
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        runProcess(request({ email: "race-key@example.com" }, { "Idempotency-Key": "race-1" }), kv),
      ),
    );
    const created = results.filter((r) => r.status === 201);
    assert.equal(created.filter((r) => r.header("idempotent-replayed") !== "true").length, 1);
    assert.equal(new Set(created.map((r) => r.text)).size, 1);
    for (const r of results.filter((r) => r.status !== 201)) {
      assert.equal(r.status, 409, r.text);
      assert.equal(r.json.error.code, 40903);
      assert.equal(r.header("retry-after"), "1");
    }
    const name = encodeKey("idempotency:test:key_test_1:race-1");
    assert.doesNotMatch(readFileSync(join(kv, name), "utf8"), /"pending"/, "the answer replaced the claim");
  } finally {
    rmSync(kv, { recursive: true, force: true });
  }
});

test("one key for two accounts, and one key with two bodies, in concurrent processes: one runs (8 trials each)", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const on = (account, json, key) =>
    rawRequest({
      method: "POST",
      target: `/v1/account-memberships/?account_id=${account}`,
      headers: { Authorization: KEY, "Content-Type": "application/json", "Idempotency-Key": key },
      json,
    });
  try {
    for (let i = 0; i < 8; i++) {
      const accounts = await Promise.all([
        runProcess(on("acct_1", { email: `both-${i}@example.com` }, `acc-${i}`), kv),
        runProcess(on("acct_2", { email: `both-${i}@example.com` }, `acc-${i}`), kv),
      ]);
      assert.deepEqual(accounts.map((r) => r.status).sort(), [201, 409], accounts.map((r) => r.text).join(" | "));
      const bodies = await Promise.all([
        runProcess(on("acct_1", { email: `a-${i}@example.com` }, `body-${i}`), kv),
        runProcess(on("acct_1", { email: `b-${i}@example.com` }, `body-${i}`), kv),
      ]);
      assert.deepEqual(bodies.map((r) => r.status).sort(), [201, 409], bodies.map((r) => r.text).join(" | "));
      for (const r of [...accounts, ...bodies].filter((r) => r.status === 409))
        assert.ok([40902, 40903].includes(r.json.error.code), r.text);
    }
  } finally {
    rmSync(kv, { recursive: true, force: true });
  }
});

test("a failed forward releases the key's file: the retry is forwarded again", async () => {
  const kv = tempDir(),
    origin = tempDir();
  seedKvDir(kv, seed);
  const env = { ROUTING: "auto", ORIGIN_URL: "https://origin.example.com" };
  const live = rawRequest({
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: {
      Authorization: "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc",
      "Content-Type": "application/json",
      "Idempotency-Key": "fwd-1",
    },
    json: { email: "fwd@example.com" },
  });
  const name = encodeKey("idempotency:live:key_live_1:fwd-1");
  try {
    writeFileSync(join(origin, "default.json"), JSON.stringify({ error: "timeout" }));
    const failed = parseResponse((await runCli(live, { env, kvDir: kv, originDir: origin })).stdout);
    assert.equal(failed.status, 504);
    assert.ok(!readdirSync(kv).includes(name), "the claim was released");
    const data = {
      object: "account_membership",
      id: "am_FromOrigin0000000000000",
      account_id: "acct_1",
      user_id: null,
      workspace_membership_id: null,
      permissions: [],
      created_at: "2026-11-28T03:07:00Z",
      updated_at: "2026-11-28T03:07:00Z",
      user: { id: null, email: "fwd@example.com", name: null },
    };
    writeFileSync(
      join(origin, "default.json"),
      JSON.stringify({ status: 201, body: JSON.stringify({ message: "success", success: true, data }) }),
    );
    const retry = parseResponse((await runCli(live, { env, kvDir: kv, originDir: origin })).stdout);
    assert.equal(retry.status, 201, retry.text);
    assert.equal(
      readFileSync(join(origin, "requests.ndjson"), "utf8").trim().split("\n").length,
      1,
      "the retry was forwarded",
    );
    assert.match(readFileSync(join(kv, name), "utf8"), /"status":201/);
  } finally {
    rmSync(kv, { recursive: true, force: true });
    rmSync(origin, { recursive: true, force: true });
  }
});

test("kv_get:stale: an existing membership answers 200 with its id; a keyed retry its stored answer", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const env = { ROUTING: "edge", ALLOW_FAULT_INJECTION: "true", FAULTS: "kv_get:stale" };
  try {
    const go = async (json, headers) =>
      parseResponse((await runCli(request(json, headers), { env, kvDir: kv })).stdout);
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
