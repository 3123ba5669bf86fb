// Runs the WASI command (dist/wasi/membership-cli.wasm) under Node's node:wasi, as wasmtime would:
// stdin/stdout/stderr are files, /kv (and /origin) are preopened directories.
import { WASI } from "node:wasi";
import { readFileSync, writeFileSync, openSync, closeSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeKey, seedKvDir } from "../../host-shims/wasi/kv_files.mjs";
import { assertAnswer } from "../openapi.mjs";
import { scriptedOrigin } from "../scenarios.mjs";

export { encodeKey, seedKvDir };

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const cliPath = join(root, "dist", "wasi", "membership-cli.wasm");
let compiled = null;

// Runs the command once. input: Buffer|string for stdin. Returns {exitCode, stdout: Buffer, stderr}.
export async function runCli(input, { env = {}, args = [], kvDir = null, originDir = null } = {}) {
  compiled ??= await WebAssembly.compile(readFileSync(cliPath));
  const dir = mkdtempSync(join(tmpdir(), "mb-wasi-"));
  try {
    writeFileSync(join(dir, "stdin"), input);
    const fds = [
      openSync(join(dir, "stdin"), "r"),
      openSync(join(dir, "stdout"), "w"),
      openSync(join(dir, "stderr"), "w"),
    ];
    const preopens = {};
    if (kvDir) preopens["/kv"] = kvDir;
    if (originDir) preopens["/origin"] = originDir;
    const wasi = new WASI({
      version: "preview1",
      args: ["membership-cli.wasm", ...args],
      env,
      preopens,
      stdin: fds[0],
      stdout: fds[1],
      stderr: fds[2],
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(compiled, wasi.getImportObject());
    let exitCode;
    try {
      exitCode = wasi.start(instance);
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
    const stdout = readFileSync(join(dir, "stdout"));
    checkAnswers(input, args, stdout);
    return { exitCode, stdout, stderr: readFileSync(join(dir, "stderr"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Every answer the command wrote must agree with docs/openapi.yaml (tests/openapi.mjs); a
// disagreement throws, failing the test that ran the command. The request's method and path come
// from its request line (raw HTTP) or its JSON line (--ndjson); an unreadable one has no path.
// Exported for the other runners of the command (tests/wasm/jco.test.mjs).
export function checkAnswers(input, args, stdout) {
  if (!stdout.length) return;
  if (args.includes("--ndjson")) {
    const requests = String(input)
      .split("\n")
      .filter((l) => l.length);
    const answers = stdout
      .toString("utf8")
      .split("\n")
      .filter((l) => l.length);
    answers.forEach((line, i) => {
      let req = {};
      try {
        req = JSON.parse(requests[i]);
      } catch {}
      const a = JSON.parse(line);
      assertAnswer({
        method: req.method ?? "POST",
        path: typeof req.target === "string" ? req.target : undefined,
        status: a.status,
        headers: a.headers,
        body: a.body,
      });
    });
    return;
  }
  // Empty lines before the request line are allowed (RFC 9112 §2.2), as the command's parser allows.
  const line = /^(?:\r?\n)*([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(
    Buffer.from(input).subarray(0, 8192).toString("latin1"),
  );
  const res = parseResponse(stdout);
  assertAnswer({
    method: line?.[1] ?? "POST",
    path: line?.[2],
    status: res.status,
    headers: res.headers,
    body: res.text,
  });
}

// A scenario request as raw HTTP/1.1 bytes.
export function rawRequest(r) {
  let body = Buffer.alloc(0);
  if (r.json !== undefined) body = Buffer.from(JSON.stringify(r.json));
  else if (r.body_base64 !== undefined) body = Buffer.from(r.body_base64, "base64");
  else if (r.body !== undefined) body = Buffer.from(r.body, "utf8");
  const lines = [`${r.method ?? "POST"} ${r.target} HTTP/1.1`, "Host: localhost"];
  for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
  if (body.length || (r.method ?? "POST") === "POST") lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n"), body]);
}

// Parses the command's raw HTTP response.
export function parseResponse(buf) {
  const text = buf.toString("utf8");
  const end = text.indexOf("\r\n\r\n");
  const [statusLine, ...headerLines] = text.slice(0, end).split("\r\n");
  const headers = new Map(
    headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  const body = text.slice(end + 4);
  let json = null;
  try {
    json = JSON.parse(body);
  } catch {}
  return {
    status: Number(statusLine.split(" ")[1]),
    statusLine,
    headers,
    text: body,
    json,
    header: (n) => headers.get(n.toLowerCase()) ?? null,
  };
}

export function tempDir(prefix = "mb-kv-") {
  return mkdtempSync(join(tmpdir(), prefix));
}

// A scenario case's scripted origin answer as this host's origin recording (default.json) in a
// fresh directory; null without one (a forward is then refused, as natively).
export function originDirFor(c) {
  if (!scriptedOrigin(c)) return null;
  const dir = tempDir("mb-origin-");
  writeFileSync(join(dir, "default.json"), JSON.stringify(scriptedOrigin(c)));
  return dir;
}
