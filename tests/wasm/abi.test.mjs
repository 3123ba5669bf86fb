// The worker module's real import and export lists against wasm/abi.h, and one exchange driven
// through the ABI from Node (the same JS the worker uses: host-shims/workers/core.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { root } from "./wasi_runner.mjs";
import { WasmCore } from "../../host-shims/workers/core.mjs";

const wasmPath = join(root, "dist", "worker", "membership.wasm");
const header = readFileSync(join(root, "wasm", "abi.h"), "utf8");

function section(name) {
  const out = execFileSync("wasm-objdump", ["-x", "-j", name, wasmPath], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.trim().startsWith("- "));
}

test("every import of membership.wasm is listed in wasm/abi.h", () => {
  const allowed = new Set([...header.matchAll(/MB_IMPORT\((\w+), (\w+)\)/g)].map((m) => `${m[1]}.${m[2]}`));
  assert.ok(allowed.size > 0);
  const imports = section("Import").map((l) => /<- ([\w.]+)$/.exec(l)?.[1]).filter(Boolean);
  assert.ok(imports.length > 0);
  for (const imp of imports) assert.ok(allowed.has(imp), `import ${imp} is not in wasm/abi.h`);
  assert.ok(!imports.some((i) => /path_open|fd_read|sock_|random_get|clock_time_get|environ/.test(i)), "an I/O import crept in");
});

test("the exports are exactly wasm/abi.h's, plus memory and _initialize", () => {
  const declared = [...header.matchAll(/MB_EXPORT\("(\w+)"\)/g)].map((m) => m[1]).sort();
  const exports = section("Export").map((l) => /-> "(\w+)"/.exec(l)?.[1]).filter(Boolean).sort();
  assert.deepEqual(exports, [...declared, "_initialize", "memory"].sort());
  assert.ok(declared.includes("mb_abi_version_1"));
});

test("the module is within the size budget (150 KB gzipped)", (t) => {
  const raw = statSync(wasmPath).size;
  const gz = gzipSync(readFileSync(wasmPath), { level: 9 }).length;
  t.diagnostic(`membership.wasm ${raw} bytes, ${gz} gzipped`);
  assert.ok(gz <= 150 * 1024, `${gz} bytes gzipped`);
});

test("an exchange through the ABI: effects out, outcomes in, response out", () => {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const core = new WasmCore(module, { ROUTING: "edge" }, { now: () => 1795835220000 });
  const meta = { method: "POST", target: "/v1/account-memberships/?account_id=acct_1",
                 headers: [["authorization", "Bearer sk_test_abi_00000000000"], ["content-type", "application/json"]] };
  const ex = core.begin(meta, new TextEncoder().encode('{"email":"abi@example.com"}'));
  let step = ex.step();
  assert.equal(step.done, false);
  assert.deepEqual(step.effects.map((e) => e.op), ["kv_get", "kv_get", "kv_get"]);
  const apikey = step.effects.find((e) => e.key.startsWith("apikey:"));
  const record = { id: "key_abi", type: "secret", mode: "test", account_ids: ["acct_1"], revoked: false, expires_at: null };
  const values = { [apikey.key]: JSON.stringify(record), "account:test:acct_1": '{"id":"acct_1","workspace_id":"ws_1"}' };
  step = ex.resume(step.effects.map((e) => ({ id: e.id, ok: true, value: values[e.key] ?? null })));
  assert.deepEqual(step.effects.map((e) => [e.op, e.key]), [["kv_get", "account_membership:test:acct_1:email:abi@example.com"]]);
  step = ex.resume([{ id: step.effects[0].id, ok: true, value: null }]);
  assert.deepEqual(step.effects.map((e) => e.op), ["kv_put"]);
  step = ex.resume([{ id: step.effects[0].id, ok: true }]);
  assert.equal(step.done, true);
  assert.equal(step.status, 201);
  assert.equal(JSON.parse(step.body).data.created_at, "2026-11-28T03:07:00Z");
  ex.end();
});

test("a configuration error answers 500 naming nothing secret, and a log line names the variable", () => {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const core = new WasmCore(module, { ROUTING: "sideways" });
  assert.equal(core.configError, true);
  const ex = core.begin({ method: "POST", target: "/v1/account-memberships/", headers: [] }, new Uint8Array());
  const step = ex.step();
  assert.equal(step.status, 500);
  assert.equal(JSON.parse(step.body).error.code, 50002);
  assert.ok(step.notices.some((n) => n.includes("ROUTING")));
});
