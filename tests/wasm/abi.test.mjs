// The worker module's real import and export lists against wasm/abi.h, and one exchange driven
// through the ABI from Node (the same JS the worker uses: host-shims/workers/core.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { root } from "./wasi_runner.mjs";
import { WasmCore, requestFrame, outcomesFrame, internalErrorBody } from "../../host-shims/workers/core.mjs";

const wasmPath = join(root, "dist", "worker", "membership.wasm");
const header = readFileSync(join(root, "wasm", "abi.h"), "utf8");

// The module's own lists, as the engine reads them (and as Debian's wabt prints them: both must agree).
const compiled = new WebAssembly.Module(readFileSync(wasmPath));
// A module without the section (the worker module imports nothing) lists none: wabt says
// "Section not found" and exits 1.
function objdump(name, pattern) {
  const sections = execFileSync("wasm-objdump", ["-h", wasmPath], { encoding: "utf8" });
  if (!new RegExp(`^\\s*${name} start=`, "m").test(sections)) return [];
  const out = execFileSync("wasm-objdump", ["-x", "-j", name, wasmPath], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => pattern.exec(l)?.[1])
    .filter(Boolean)
    .sort();
}

// The lines of the MB_IMPORTS list in wasm/abi.h (one `MB_IMPORT(module, name)` per line).
const declaredImports = () => {
  const block = /#define MB_IMPORTS\(MB_IMPORT\)((?:[^\n]*\\\n)*[^\n]*)/.exec(header);
  assert.ok(block, "wasm/abi.h defines MB_IMPORTS");
  return [...block[1].matchAll(/MB_IMPORT\((\w+), (\w+)\)/g)].map((m) => `${m[1]}.${m[2]}`).sort();
};

test("the imports of membership.wasm are exactly wasm/abi.h's list", () => {
  const imports = WebAssembly.Module.imports(compiled)
    .map((i) => `${i.module}.${i.name}`)
    .sort();
  assert.deepEqual(imports, declaredImports());
  assert.deepEqual(objdump("Import", / <- ([\w.]+)$/), imports);
});

test("the exports are exactly wasm/abi.h's, plus memory and _initialize", () => {
  const declared = [...header.matchAll(/MB_EXPORT\("(\w+)"\)/g)].map((m) => m[1]).sort();
  const exports = WebAssembly.Module.exports(compiled)
    .map((e) => e.name)
    .sort();
  assert.deepEqual(exports, [...declared, "_initialize", "memory"].sort());
  assert.deepEqual(objdump("Export", /-> "(\w+)"/), exports);
  assert.ok(declared.includes("mb_abi_version_5"));
});

test("the module is within the size budget (100 KB gzipped, docs/benchmarks.md)", (t) => {
  const raw = statSync(wasmPath).size;
  const gz = gzipSync(readFileSync(wasmPath), { level: 9 }).length;
  t.diagnostic(`membership.wasm ${raw} bytes, ${gz} gzipped`);
  assert.ok(gz <= 100_000, `${gz} bytes gzipped`);
});

test("an exchange through the ABI: effects out, outcomes in, response out", () => {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const core = new WasmCore(module, { ROUTING: "edge" }, { now: () => 1795835220000 });
  const meta = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: [
      ["authorization", "Bearer sk_test_abi_00000000000"],
      ["content-type", "application/json"],
    ],
  };
  const ex = core.begin(meta, new TextEncoder().encode('{"email":"abi@example.com"}'));
  let step = ex.step();
  assert.equal(step.done, false);
  // One read round: the key, the account, the user by email and the invite's membership together.
  assert.deepEqual(
    step.effects.map((e) => e.op),
    ["kv_get", "kv_get", "kv_get", "kv_get"],
  );
  assert.ok(step.effects.some((e) => e.key === "account_membership:test:acct_1:email:abi@example.com"));
  const apikey = step.effects.find((e) => e.key.startsWith("apikey:"));
  const record = {
    id: "key_abi",
    type: "secret",
    mode: "test",
    account_ids: ["acct_1"],
    revoked: false,
    expires_at: null,
  };
  const values = {
    [apikey.key]: JSON.stringify(record),
    "account:test:acct_1": '{"id":"acct_1","workspace_id":"ws_1"}',
  };
  step = ex.resume(step.effects.map((e) => ({ id: e.id, value: values[e.key] ?? null })));
  assert.deepEqual(
    step.effects.map((e) => [e.op, e.key]),
    [["kv_put", "account_membership:test:acct_1:email:abi@example.com"]],
  );
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

// Drives the raw exports: bytes in, status code out.
function rawBegin(core, frame) {
  return core.call(
    (p, n) => core.call((rp, rl) => core.exports.mb_begin(p, n, 0, 0, 1795835220000, rp, rl), new Uint8Array(64)),
    frame,
  );
}

test("a request frame that is short, long, or counts more headers than it holds is refused", () => {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const core = new WasmCore(module, { ROUTING: "edge" });
  const good = requestFrame({ method: "POST", target: "/v1/account-memberships/", headers: [["a", "b"]] }).slice();
  const handle = rawBegin(core, good);
  assert.notEqual(handle, 0);
  core.exports.mb_end(handle);
  assert.equal(rawBegin(core, good.subarray(0, good.length - 1)), 0, "short");
  assert.equal(rawBegin(core, Uint8Array.from([...good, 0])), 0, "trailing byte");
  const lying = good.slice();
  new DataView(lying.buffer).setUint32(lying.length - 14, 0xffffffff, true); // the header count
  assert.equal(rawBegin(core, lying), 0, "count");
  assert.equal(rawBegin(core, new Uint8Array(0)), 0, "empty");
});

test("an unreadable outcomes frame is answered as if the reads failed (503), never a 201", () => {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const core = new WasmCore(module, { ROUTING: "edge" });
  const ex = core.begin(
    {
      method: "POST",
      target: "/v1/account-memberships/?account_id=acct_1",
      headers: [
        ["authorization", "Bearer sk_test_abi_00000000000"],
        ["content-type", "application/json"],
      ],
    },
    new TextEncoder().encode('{"email":"abi@example.com"}'),
  );
  const step = ex.step();
  const frame = outcomesFrame(step.effects.map((e) => ({ id: e.id, ok: true, value: null }))).slice();
  const rc = core.call((p, n) => core.exports.mb_resume(ex.handle, p, n - 1, Date.now()), frame);
  assert.equal(rc, 1);
  const after = ex.step();
  assert.equal(after.status, 503);
  assert.equal(JSON.parse(after.body).error.code, 50301);
  ex.end();
});

test("values cross the boundary as they are: quotes, backslashes, control characters, non-ASCII", async () => {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const core = new WasmCore(module, { ROUTING: "edge" }, { now: () => 1795835220000 });
  const name = 'Zoë "Q" \\ \n\t — 名前 🦀';
  const record = {
    id: "key_abi",
    type: "secret",
    mode: "test",
    account_ids: ["acct_1"],
    revoked: false,
    expires_at: null,
  };
  const values = {
    "account:test:acct_1": '{"id":"acct_1","workspace_id":"ws_1"}',
    "user_by_email:test:zoe@example.com": JSON.stringify({ id: "usr_1", email: "zoe@example.com", name }),
  };
  let puts = 0;
  const step = await core.drive(
    {
      method: "POST",
      target: "/v1/account-memberships/?account_id=acct_1",
      headers: [
        ["authorization", "Bearer sk_test_abi_00000000000"],
        ["content-type", "application/json; charset=utf-8"],
      ],
    },
    new TextEncoder().encode('{"email":"zoe@example.com"}'),
    async (effects) =>
      effects.map((e) => {
        if (e.key.startsWith("apikey:")) values[e.key] = JSON.stringify(record);
        if (e.op === "kv_put") {
          puts++;
          assert.equal(JSON.parse(e.value).user.name, name);
        }
        return { id: e.id, value: values[e.key] ?? null };
      }),
  );
  assert.equal(step.status, 201, step.body);
  assert.equal(JSON.parse(step.body).data.user.name, name);
  assert.equal(step.log.credential_id, "key_abi");
  assert.equal(step.log.route, "edge");
  assert.equal(puts, 1);
  // The counts of the log line, as every host's driver loop counts them: four reads, then the
  // known user's membership read by user id, then the write.
  assert.equal(step.rounds, 3);
  assert.equal(step.kvCalls, 6);
});

test("the driver answers a core that never finishes with the host's own 500, under the request's id", async () => {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const core = new WasmCore(module, { ROUTING: "edge" });
  // An id the host never answers stays missing; a stub exchange that never finishes plays the broken core.
  const stuck = {
    step: () => ({ done: false, effects: [{ id: 1, op: "kv_get", key: "k" }], notices: [] }),
    resume() {
      return this.step();
    },
    end() {},
  };
  core.begin = () => stuck;
  let batches = 0;
  const perform = async (effects) => {
    batches++;
    return effects.map((e) => ({ id: e.id, value: null }));
  };
  const given = await core.drive({ headers: [["X-Request-Id", "  abc-123  "]] }, null, perform);
  assert.equal(given.status, 500);
  assert.equal(given.body, internalErrorBody);
  assert.deepEqual(given.headers, [
    ["Content-Type", "application/json"],
    ["X-Request-Id", "abc-123"],
  ]);
  assert.equal(batches, core.maxRounds() + 1);
  assert.match(given.notices.at(-1), /did not finish in 12 rounds/);
  const drawn = await core.drive(
    {
      headers: [
        ["x-request-id", "no spaces inside"],
        ["cf-ray", "bad/ray"],
      ],
    },
    null,
    perform,
  );
  assert.match(drawn.log.request_id, /^req_[0-9A-Za-z]{24}$/);
  assert.deepEqual(drawn.headers[1], ["X-Request-Id", drawn.log.request_id]);
  const ray = await core.drive({ headers: [["cf-ray", "8f00-LHR"]] }, null, perform);
  assert.equal(ray.log.request_id, "8f00-LHR");
});

test("the sign effect through the ABI: the host's signature goes into the forward; a refused one falls back to BearSSL", async () => {
  const { generateKeyPairSync, sign, verify } = await import("node:crypto");
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const vars = {
    ROUTING: "origin",
    ORIGIN_URL: "https://origin.test",
    ORIGIN_SIGNING_KEY: JSON.stringify(pair.privateKey.export({ format: "jwk" })),
  };
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  for (const hostSigns of [true, false]) {
    const core = new WasmCore(module, vars, { webCrypto: true });
    const ex = core.begin(
      {
        method: "POST",
        target: "/v1/account-memberships/?account_id=acct_1",
        headers: [
          ["authorization", "Bearer sk_live_abi_00000000000"],
          ["content-type", "application/json"],
        ],
      },
      new TextEncoder().encode('{"email":"abi@example.com"}'),
    );
    let step = ex.step();
    const record = {
      id: "key_abi",
      type: "secret",
      mode: "live",
      account_ids: ["acct_1"],
      revoked: false,
      expires_at: null,
    };
    step = ex.resume(
      step.effects.map((e) => ({ id: e.id, value: e.key?.startsWith("apikey:") ? JSON.stringify(record) : null })),
    );
    const signEffect = step.effects.find((e) => e.op === "sign");
    assert.ok(signEffect, JSON.stringify(step.effects.map((e) => e.op)));
    assert.equal(signEffect.alg, "ES256");
    assert.equal(JSON.parse(signEffect.jwk).d, pair.privateKey.export({ format: "jwk" }).d);
    const base = Buffer.from(signEffect.data);
    assert.match(
      base.toString(),
      /^"@method": POST\n"@path": \/v1\/account-memberships\/\n"@query": \?account_id=acct_1\n/,
    );
    const hostSignature = sign("sha256", base, { key: pair.privateKey, dsaEncoding: "ieee-p1363" });
    step = ex.resume([
      hostSigns
        ? { id: signEffect.id, signature: hostSignature }
        : { id: signEffect.id, failure: 3, detail: "refused" },
    ]);
    const fetch = step.effects.find((e) => e.op === "fetch");
    assert.equal(
      step.notices.some((n) => /signed with BearSSL/.test(n)),
      !hostSigns,
    );
    const signature = new Map(fetch.headers).get("Signature");
    const bytes = Buffer.from(/^edge=:([^:]+):$/.exec(signature)[1], "base64");
    if (hostSigns) assert.deepEqual(bytes, hostSignature);
    assert.ok(verify("sha256", base, { key: pair.publicKey, dsaEncoding: "ieee-p1363" }, bytes));
    step = ex.resume([{ id: fetch.id, status: 201, body: '{"message":"success","success":true,"data":{}}' }]);
    assert.equal(step.status, 201);
    ex.end();
  }
});
