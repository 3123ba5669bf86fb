// The WASI command under node:wasi: the shared scenarios, byte-equality with the native build,
// malformed HTTP, --ndjson, KV files and origin recordings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync } from "node:fs";
import { join } from "node:path";
import {
  runCli,
  rawRequest,
  parseResponse,
  seedKvDir,
  encodeKey,
  tempDir,
  root,
  originDirFor,
} from "./wasi_runner.mjs";
import {
  scenarioFiles,
  forHost,
  casesFor,
  checkCase,
  checkEffects,
  wasiCaseEnv,
  scriptedRecords,
} from "../scenarios.mjs";
import { layoutKey } from "../../scripts/kv_layout.mjs";
import { bulkEntries } from "../../scripts/seed.mjs";
import { generateKeyPairSync } from "node:crypto";
import { parseDictionary, Token } from "structured-headers";
import { forwardVerifier } from "../../demo/origin.mjs";
import { signJwt, claims } from "../jwt.mjs";

const seed = bulkEntries(JSON.parse(readFileSync(join(root, "tests", "scenarios", "seed.json"), "utf8")));
const nativeCli = join(root, "build", "native", "membership-cli-native");
const FIXED = { MB_FIXED_NOW_MS: "1795835220000", MB_FIXED_RANDOM_SEED: "wasi-test" };

for (const doc of scenarioFiles()) {
  test(`scenarios ${doc.file} through the WASI command`, async (t) => {
    const kv = tempDir();
    seedKvDir(kv, seed);
    let n = 0,
      traced = 0;
    const { run, skipped } = casesFor(doc, "wasi");
    for (const c of skipped) t.diagnostic(`not for this host: ${c.name} (${c.hosts_reason})`);
    for (const c of run) {
      const originDir = originDirFor(c);
      if (scriptedRecords(c)) seedKvDir(kv, bulkEntries(scriptedRecords(c)));
      const out = await runCli(rawRequest(c.request), { env: wasiCaseEnv(doc, c), kvDir: kv, originDir });
      if (originDir) rmSync(originDir, { recursive: true, force: true });
      assert.equal(out.exitCode, 0, `${c.name}: exit ${out.exitCode} ${out.stderr}`);
      checkCase(c, parseResponse(out.stdout));
      for (const key of c.kv_exists ?? [])
        assert.ok(existsSync(join(kv, encodeKey(layoutKey(key)))), `${c.name}: no KV file for ${key}`);
      const lines = out.stderr
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(lines.at(-1).status, c.expect.status, `${c.name}: log line`);
      assert.equal(lines.at(-1).level, "info", `${c.name}: the log line has the worker's shape`);
      traced += checkEffects(c, lines.find((l) => l.effects)?.effects);
      n++;
    }
    assert.equal(n, run.length);
    t.diagnostic(`${n} cases, ${traced} with their effect trace`);
    rmSync(kv, { recursive: true, force: true });
  });
}

test(
  "responses are byte-equal to the native build for the same inputs",
  { skip: !existsSync(nativeCli) && "native CLI not built" },
  async () => {
    const wasmKv = tempDir(),
      nativeKv = tempDir();
    seedKvDir(wasmKv, seed);
    seedKvDir(nativeKv, seed);
    let compared = 0;
    for (const doc of scenarioFiles()) {
      for (const c of doc.cases.filter((c) => forHost(c, "wasi") && forHost(c, "native"))) {
        const input = rawRequest(c.request);
        const env = { ...wasiCaseEnv(doc, c), ...FIXED };
        const originDir = originDirFor(c);
        if (scriptedRecords(c)) for (const d of [wasmKv, nativeKv]) seedKvDir(d, bulkEntries(scriptedRecords(c)));
        const wasm = await runCli(input, { env, kvDir: wasmKv, originDir });
        const native = execFileSync(nativeCli, ["--kv", nativeKv, ...(originDir ? ["--origin", originDir] : [])], {
          input,
          env: { ...env, PATH: process.env.PATH },
          stdio: ["pipe", "pipe", "ignore"],
        });
        if (originDir) rmSync(originDir, { recursive: true, force: true });
        assert.equal(wasm.stdout.toString("latin1"), native.toString("latin1"), c.name);
        compared++;
      }
    }
    assert.ok(compared > 80);
    assert.deepEqual(readdirSync(wasmKv).sort(), readdirSync(nativeKv).sort(), "the stores differ");
  },
);

const malformed = [
  ["0 bytes", ""],
  ["no blank line", "POST /v1/account-memberships/?account_id=acct_1 HTTP/1.1\r\nContent-Type: application/json\r\n"],
  ["bad Content-Length", "POST /v1/account-memberships/?account_id=acct_1 HTTP/1.1\r\nContent-Length: 12x\r\n\r\n{}"],
  ["Content-Length longer than the body", "POST / HTTP/1.1\r\nContent-Length: 50\r\n\r\n{}"],
  ["two Content-Length", "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"],
  ["binary garbage", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
  ["bad request line", "HELLO\r\n\r\n"],
  ["NUL in a header", "POST / HTTP/1.1\r\nX-A: a\u0000b\r\n\r\n"],
  // The parser is llhttp (strict) plus the checks of host-shims/wasi/http_io.cpp; docs/wasi.md.
  ["control character in a header value", "POST / HTTP/1.1\r\nX-A: a\u0001b\r\n\r\n"],
  ["DEL in a header value", "POST / HTTP/1.1\r\nX-A: a\u007fb\r\n\r\n"],
  ["non-ASCII byte in a header value", Buffer.from("POST / HTTP/1.1\r\nX-A: caf\u00e9\r\n\r\n", "utf8")],
  ["Transfer-Encoding: chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"],
  ["Transfer-Encoding: identity", "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}"],
  [
    "Transfer-Encoding and Content-Length",
    "POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
  ],
  ["obs-fold (space)", "POST / HTTP/1.1\r\nX-A: a\r\n  folded\r\nContent-Length: 2\r\n\r\n{}"],
  ["obs-fold (tab)", "POST / HTTP/1.1\r\nX-A: a\r\n\tfolded\r\n\r\n"],
  ["obs-fold after an empty value", "POST / HTTP/1.1\r\nX-A:\r\n folded\r\n\r\n"],
  ["whitespace before the first header", "POST / HTTP/1.1\r\n X-A: a\r\n\r\n"],
  [
    "absolute-form target",
    "POST http://host/v1/account-memberships/?account_id=acct_1 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
  ],
  ["asterisk-form target", "OPTIONS * HTTP/1.1\r\n\r\n"],
  ["authority-form target (CONNECT)", "CONNECT host:443 HTTP/1.1\r\n\r\n"],
  ["non-ASCII byte in the target", Buffer.from("POST /caf\u00e9 HTTP/1.1\r\n\r\n", "utf8")],
  ["empty header name", "POST / HTTP/1.1\r\n: a\r\n\r\n"],
  ["space before the colon", "POST / HTTP/1.1\r\nX-A : a\r\n\r\n"],
  ["header line without a colon", "POST / HTTP/1.1\r\nX-A\r\n\r\n"],
  ["bare LF line ends", "POST / HTTP/1.1\nContent-Length: 2\n\n{}"],
  ["bare LF after the request line", "POST / HTTP/1.1\nContent-Length: 2\r\n\r\n{}"],
  ["bare LF as the blank line", "POST / HTTP/1.1\r\nContent-Length: 2\r\n\n{}"],
  ["unknown method", "FROB / HTTP/1.1\r\n\r\n"],
  ["lower-case method", "post / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"],
  ["two spaces in the request line", "POST /  HTTP/1.1\r\n\r\n"],
  ["HTTP/0.9 request line", "GET /\r\n\r\n"],
  ["HTTP/1.2", "POST / HTTP/1.2\r\n\r\n"],
  ["HTTP/2.0 request line", "POST / HTTP/2.0\r\n\r\n"],
  ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
  ["RTSP request line", "POST / RTSP/1.0\r\n\r\n"],
  ["empty Content-Length", "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n"],
  ["Content-Length list", "POST / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\n{}"],
  ["Content-Length of 16 digits", "POST / HTTP/1.1\r\nContent-Length: 1000000000000000\r\n\r\n{}"],
  ["Content-Length overflow", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n{}"],
  [
    "a second request after the first",
    "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
  ],
  ["body longer than Content-Length", "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}x"],
  ["body without Content-Length", "POST / HTTP/1.1\r\n\r\n{}"],
];
for (const [name, input] of malformed) {
  test(`malformed HTTP on stdin (${name}) is a 400 envelope, exit 0`, async () => {
    const out = await runCli(Buffer.from(input), { env: { ROUTING: "edge" }, kvDir: tempDir() });
    assert.equal(out.exitCode, 0);
    const res = parseResponse(out.stdout);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 40009);
    assert.equal(res.header("content-type"), "application/json");
    assert.match(out.stderr, /malformed HTTP request: /, "refused by the parser, not the core");
  });
}

// The parser's own limit answers 431 before the core (log line "malformed HTTP request: ...").
const tooLarge = [
  [
    "a header section over 64 KiB",
    `POST / HTTP/1.1\r\nX-A: ${"a".repeat(64 * 1024)}\r\n\r\n`,
    "header section over 64 KiB",
  ],
  [
    "a header section over 64 KiB without its blank line",
    `POST / HTTP/1.1\r\nX-A: ${"a".repeat(70 * 1024)}`,
    "header section over 64 KiB",
  ],
  [
    "4097 headers",
    `POST / HTTP/1.1\r\n${Array.from({ length: 4097 }, (_, i) => `h${i}: v\r\n`).join("")}\r\n`,
    "more than 4096 headers",
  ],
];
for (const [name, input, why] of tooLarge) {
  test(`${name} on stdin is a 431 envelope from the parser`, async () => {
    const out = await runCli(Buffer.from(input), { env: { ROUTING: "edge" }, kvDir: tempDir() });
    assert.equal(out.exitCode, 0);
    const res = parseResponse(out.stdout);
    assert.equal(res.status, 431);
    assert.equal(res.json.error.code, 43101);
    assert.ok(out.stderr.includes(`malformed HTTP request: ${why}`), out.stderr);
  });
}

test(
  "malformed and too-large requests: byte-equal answers from the native build",
  { skip: !existsSync(nativeCli) && "native CLI not built" },
  async () => {
    const wasmKv = tempDir(),
      nativeKv = tempDir();
    for (const [name, input] of [...malformed, ...tooLarge]) {
      const env = { ROUTING: "edge", ...FIXED };
      const wasm = await runCli(Buffer.from(input), { env, kvDir: wasmKv });
      const native = execFileSync(nativeCli, ["--kv", nativeKv], {
        input: Buffer.from(input),
        env: { ...env, PATH: process.env.PATH },
      });
      assert.equal(wasm.stdout.toString("latin1"), native.toString("latin1"), name);
    }
    for (const d of [wasmKv, nativeKv]) rmSync(d, { recursive: true, force: true });
  },
);

const goodRequest = (extraHeaders = [], email = "parser@example.com") => {
  const body = JSON.stringify({ email });
  const lines = [
    "POST /v1/account-memberships/?account_id=acct_1 HTTP/1.1",
    "Host: localhost",
    "Authorization: Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc",
    "Content-Type: application/json",
    ...extraHeaders,
    `Content-Length: ${body.length}`,
  ];
  return lines.join("\r\n") + "\r\n\r\n" + body;
};

test("300 headers pass the parser (limit 4096) and the core answers 431 (more than 256)", async () => {
  const extra = Array.from({ length: 300 }, (_, i) => `X-Extra-${i}: v`);
  const out = await runCli(goodRequest(extra), { env: { ROUTING: "edge" }, kvDir: tempDir() });
  const res = parseResponse(out.stdout);
  assert.equal(res.status, 431);
  assert.equal(res.json.success, false);
  assert.equal(res.json.error.code, 43101);
  assert.doesNotMatch(out.stderr, /malformed HTTP request/);
  assert.equal(JSON.parse(out.stderr.trim().split("\n").at(-1)).status, 431, "the core's log line");
});

test("a header section of exactly 64 KiB passes the parser", async () => {
  // Request line and headers up to the blank line: 65536 bytes. The core then refuses it (more
  // than 32 KiB of headers), with its own log line.
  const head = "POST / HTTP/1.1\r\nX-A: ";
  const input = head + "a".repeat(64 * 1024 - head.length) + "\r\n\r\n";
  const out = await runCli(input, { env: { ROUTING: "edge" }, kvDir: tempDir() });
  assert.equal(parseResponse(out.stdout).status, 431);
  assert.doesNotMatch(out.stderr, /malformed HTTP request/);
});

test("accepted around the request: empty lines before and after, an Upgrade header (ignored)", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const inputs = [
    ["\r\n" + goodRequest([], "lead@example.com")],
    [goodRequest([], "trail@example.com") + "\r\n\r\n"],
    [goodRequest(["Connection: upgrade", "Upgrade: websocket"], "upgrade@example.com")],
    [goodRequest(["X-Tab: a\tb", "X-Empty:"], "tab@example.com")],
  ];
  for (const [input] of inputs) {
    const res = parseResponse((await runCli(input, { env: { ROUTING: "edge" }, kvDir: kv })).stdout);
    assert.equal(res.status, 201, JSON.stringify(input.slice(0, 80)));
  }
});

test("a 10 MB body is refused with 413 without reading it all", async () => {
  const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
  const head = `POST /v1/account-memberships/?account_id=acct_1 HTTP/1.1\r\nAuthorization: Bearer sk_test_x_123\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`;
  const out = await runCli(Buffer.concat([Buffer.from(head), big]), { env: { ROUTING: "edge" }, kvDir: tempDir() });
  assert.equal(parseResponse(out.stdout).status, 413);
});

test("usage error exits non-zero", async () => {
  const out = await runCli("", { args: ["--frobnicate"] });
  assert.notEqual(out.exitCode, 0);
  assert.match(out.stderr, /unknown argument/);
});

test("--ndjson: one response per request line, sharing the store", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const r = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: [
      ["Authorization", "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc"],
      ["Content-Type", "application/json"],
    ],
    body: JSON.stringify({ email: "nd@example.com" }),
  };
  const input = [r, r, { ...r, body: "{" }].map((x) => JSON.stringify(x)).join("\n") + "\nnot json\n";
  const out = await runCli(input, { args: ["--ndjson"], env: { ROUTING: "edge" }, kvDir: kv });
  const lines = out.stdout
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.status),
    [201, 200, 400, 400],
  );
  // The host's own answer to an unreadable line: an id by the rule of every answer.
  assert.match(Object.fromEntries(lines[3].headers)["X-Request-Id"], /^req_[0-9A-Za-z]{24}$/);
  // The log line counts as every host does: one read round of four gets, then the create
  // (a put-if-absent: this host is a write authority) — five KV calls in two rounds.
  const logs = out.stderr
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((l) => "rounds" in l);
  assert.deepEqual([logs[0].rounds, logs[0].kv_calls], [2, 5]);
});

test("TTL is honoured: an expired idempotency file reads as absent", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const key = "idempotency:test:key_test_1:expired-key";
  writeFileSync(
    join(kv, encodeKey(key)),
    `#mb-kv v1 ${JSON.stringify({ key, expires_at: 1000 })}\n{"fingerprint":"x","status":201,"body":"{}"}`,
  );
  const req = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: {
      Authorization: "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc",
      "Content-Type": "application/json",
      "Idempotency-Key": "expired-key",
    },
    json: { email: "ttl@example.com" },
  };
  const res = parseResponse((await runCli(rawRequest(req), { env: { ROUTING: "edge" }, kvDir: kv })).stdout);
  assert.equal(res.status, 201, "an expired record would have answered 409");
  const stored = readFileSync(join(kv, encodeKey(key)), "utf8");
  assert.match(stored, /^#mb-kv v1 \{"key":"idempotency:test:key_test_1:expired-key","expires_at":\d+\}\n/);
});

test("live mode without /origin: 502 and a log line saying why", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const req = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Authorization: "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc", "Content-Type": "application/json" },
    json: { email: "live@example.com" },
  };
  const out = await runCli(rawRequest(req), {
    env: { ROUTING: "auto", ORIGIN_URL: "https://origin.example.com" },
    kvDir: kv,
  });
  assert.equal(parseResponse(out.stdout).status, 502);
  assert.match(out.stderr, /cannot reach an origin/);
});

test("live mode with a recorded origin answer: forwarded and written through", async () => {
  const kv = tempDir(),
    origin = tempDir();
  seedKvDir(kv, seed);
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
  writeFileSync(
    join(origin, "default.json"),
    JSON.stringify({ status: 201, body: JSON.stringify({ message: "success", success: true, data }) }),
  );
  const req = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Authorization: "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc", "Content-Type": "application/json" },
    json: { email: "rec@example.com" },
  };
  const out = await runCli(rawRequest(req), {
    env: { ROUTING: "auto", ORIGIN_URL: "https://origin.example.com" },
    kvDir: kv,
    originDir: origin,
  });
  const res = parseResponse(out.stdout);
  assert.equal(res.status, 201);
  assert.equal(res.json.data.id, "am_Recorded000000000000000");
  const recorded = readFileSync(join(origin, "requests.ndjson"), "utf8");
  const sent = JSON.parse(recorded.trim());
  assert.equal(sent.url, "https://origin.example.com/v1/account-memberships/?account_id=acct_1");
  // The recording never holds a credential in clear (docs/storage.md).
  assert.ok(!recorded.includes("sk_live_demo"), "the secret key reached the recording");
  assert.deepEqual(
    sent.headers.find(([n]) => n === "Authorization"),
    ["Authorization", "Bearer [redacted]"],
  );
  assert.ok(existsSync(join(kv, encodeKey("account_membership:live:acct_1:email:rec@example.com"))));
});

test("a key longer than 200 bytes is stored as h-<sha256> with the key inside", async () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const idem = "k".repeat(200);
  const req = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: {
      Authorization: "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc",
      "Content-Type": "application/json",
      "Idempotency-Key": idem,
    },
    json: { email: "long@example.com" },
  };
  for (const want of [201, 201]) {
    const res = parseResponse((await runCli(rawRequest(req), { env: { ROUTING: "edge" }, kvDir: kv })).stdout);
    assert.equal(res.status, want);
  }
  const hashed = readdirSync(kv).filter((n) => n.startsWith("h-"));
  assert.equal(hashed.length, 1);
  assert.match(readFileSync(join(kv, hashed[0]), "utf8"), new RegExp(`"key":"idempotency:test:key_test_1:${idem}"`));
});

test("host-shims/wasi/run.mjs runs the command with wasmtime's arguments", () => {
  const kv = tempDir();
  seedKvDir(kv, seed);
  const req = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { Authorization: "Bearer sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc", "Content-Type": "application/json" },
    json: { email: "runner@example.com" },
  };
  const out = execFileSync(
    process.execPath,
    [join(root, "host-shims", "wasi", "run.mjs"), "--dir", `${kv}::/kv`, "--env", "ROUTING=edge"],
    { input: rawRequest(req) },
  );
  assert.equal(parseResponse(out).status, 201);
  assert.ok(existsSync(join(kv, encodeKey("account_membership:test:acct_1:email:runner@example.com"))));
});

// The forward in the recording carries what the worker's does: Content-Digest, X-Edge-Identity,
// the trace context and RFC 9421 signatures (here signed with BearSSL inside the wasm), verified
// with npm http-message-signatures (demo/origin.mjs forwardVerifier), the public key taken from
// the command's own /.well-known/http-message-signatures-directory answer.
const DIRECTORY = "/.well-known/http-message-signatures-directory";
const signingJwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });

async function recordedForward(env, headers, json) {
  const kv = tempDir(),
    origin = tempDir();
  seedKvDir(kv, seed);
  const data = {
    object: "account_membership",
    id: "am_Recorded000000000000001",
    account_id: "acct_1",
    user_id: null,
    workspace_membership_id: null,
    permissions: [],
    created_at: "2026-11-28T03:07:00Z",
    updated_at: "2026-11-28T03:07:00Z",
    user: { id: null, email: json.email, name: null },
  };
  writeFileSync(
    join(origin, "default.json"),
    JSON.stringify({ status: 201, body: JSON.stringify({ message: "success", success: true, data }) }),
  );
  const req = {
    method: "POST",
    target: "/v1/account-memberships/?account_id=acct_1",
    headers: { "Content-Type": "application/json", ...headers },
    json,
  };
  const out = await runCli(rawRequest(req), {
    env: { ROUTING: "auto", ORIGIN_URL: "https://origin.example.com", ...env },
    kvDir: kv,
    originDir: origin,
  });
  assert.equal(parseResponse(out.stdout).status, 201, out.stderr);
  const sent = JSON.parse(readFileSync(join(origin, "requests.ndjson"), "utf8").trim());
  const directory = parseResponse(
    (await runCli(rawRequest({ method: "GET", target: DIRECTORY }), { env: { ROUTING: "edge", ...env }, kvDir: kv }))
      .stdout,
  );
  const lowered = Object.fromEntries(sent.headers.map(([n, v]) => [n.toLowerCase(), v]));
  return {
    sent,
    headers: lowered,
    directory,
    stderr: out.stderr,
    request: { method: sent.method, url: sent.url, headers: lowered, body: sent.body },
  };
}

test("WASI recordings: signed forwards (ecdsa + hmac) an independent verifier accepts, and refuses tampered", async () => {
  const env = { ORIGIN_SIGNING_KEY: JSON.stringify(signingJwk), ORIGIN_SHARED_SECRET: "wasi-shared-secret" };
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const fwd = await recordedForward(
    env,
    { Authorization: "Bearer sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc", "Idempotency-Key": "wasi-k1", traceparent },
    { email: "signed-rec@example.com" },
  );
  assert.equal(fwd.directory.status, 200);
  assert.equal(fwd.directory.header("content-type"), "application/http-message-signatures-directory+json");
  assert.ok(!fwd.directory.text.includes(signingJwk.d));
  const directoryUrl = `data:application/json,${encodeURIComponent(fwd.directory.text)}`;
  const verify = forwardVerifier({ directoryUrl, secret: "wasi-shared-secret" });
  assert.equal(await verify(fwd.request), "");
  assert.match(await verify(fwd.request), /nonce reused/);
  assert.deepEqual([...parseDictionary(fwd.headers["signature-input"]).keys()], ["edge", "edge-hmac"]);
  assert.equal(fwd.headers.traceparent, traceparent);
  assert.equal(fwd.headers["idempotency-key"], "wasi-k1");
  assert.ok(!("x-edge-signature" in fwd.headers));
  const line = fwd.stderr
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .at(-1);
  assert.equal(line.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  for (const [name, value] of [
    ["x-edge-mode", "test"],
    ["x-edge-identity", fwd.headers["x-edge-identity"].replace("acct_1", "acct_2")],
    ["idempotency-key", "wasi-k2"],
    ["content-type", "text/plain"],
    ["traceparent", traceparent.replace(/01$/, "00")],
  ]) {
    const why = await forwardVerifier({ directoryUrl, secret: "wasi-shared-secret" })({
      ...fwd.request,
      headers: { ...fwd.headers, [name]: value },
    });
    assert.match(why, /does not verify/, name);
  }
});

test("WASI recordings: a JWT's identity and FORWARD_CLAIMS in X-Edge-Identity; FORWARD_AUTHORIZATION=false keeps Authorization", async () => {
  const secret = "wasi-jwt-hs256-secret-of-at-least-32-bytes";
  const env = {
    ORIGIN_SHARED_SECRET: "wasi-shared-secret",
    JWT_ISSUER: "https://auth.example.com/",
    JWT_AUDIENCE: "memberships-api",
    JWT_HS256_SECRET: secret,
    FORWARD_CLAIMS: "org_id,tier,admin,beta,nested",
    FORWARD_AUTHORIZATION: "false",
  };
  const token = signJwt(
    { alg: "HS256", typ: "JWT" },
    claims({
      livemode: true,
      sub: "user \u2713",
      org_id: "org_7",
      tier: 3,
      admin: true,
      beta: false,
      nested: { a: 1 },
    }),
    secret,
  );
  const fwd = await recordedForward(env, { Authorization: `Bearer ${token}` }, { email: "jwt-rec@example.com" });
  assert.equal(fwd.directory.status, 404, "no public key without ORIGIN_SIGNING_KEY");
  assert.ok(!("authorization" in fwd.headers), "Authorization reached the origin");
  assert.equal(await forwardVerifier({ secret: "wasi-shared-secret" })(fwd.request), "");
  const id = parseDictionary(fwd.headers["x-edge-identity"]);
  assert.deepEqual(
    [...id.keys()],
    ["auth", "cred", "mode", "account", "sub", "iss", "org_id", "tier", "admin", "beta"],
  );
  assert.ok(id.get("auth")[0] instanceof Token);
  assert.equal(id.get("auth")[0].toString(), "jwt");
  assert.equal(id.get("cred")[0], "jwt%3Auser%20%E2%9C%93");
  assert.equal(id.get("sub")[0].toString(), "user \u2713"); // a Display String
  assert.equal(id.get("iss")[0], "https://auth.example.com/");
  assert.equal(id.get("org_id")[0], "org_7");
  assert.equal(id.get("tier")[0], 3);
  assert.equal(id.get("admin")[0], true);
  assert.equal(id.get("beta")[0], false);
  assert.match(fwd.stderr, /FORWARD_CLAIMS: claim \\"nested\\" is an object; left out of X-Edge-Identity/);
});

test("a bad ORIGIN_SIGNING_KEY (a public key) fails loudly: 500 and a log line naming the variable", async () => {
  const { d, ...publicJwk } = signingJwk;
  const out = await runCli(rawRequest({ method: "GET", target: DIRECTORY }), {
    env: { ROUTING: "edge", ORIGIN_SIGNING_KEY: JSON.stringify(publicJwk) },
    kvDir: tempDir(),
  });
  const res = parseResponse(out.stdout);
  assert.equal(res.status, 500);
  assert.equal(res.json.error.code, 50002);
  assert.match(out.stderr, /ORIGIN_SIGNING_KEY is a public key/);
});
