// Runs dist/wasi/crypto-vectors.wasm (the BearSSL checks of tests/vectors/vector_checks.cpp) under
// node:wasi with a vectors folder preopened at /vectors; returns its exit code, stdout, stderr.
import { WASI } from "node:wasi";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const vectorsDir = path.resolve(process.env.MB_VECTORS_DIR ?? path.join(repo, "tests/vectors/data"));
export const wasmPath = path.join(repo, "dist/wasi/crypto-vectors.wasm");

export async function runVectors(dir = vectorsDir) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "crypto-vectors-"));
  const outPath = path.join(tmp, "stdout"),
    errPath = path.join(tmp, "stderr");
  const out = fs.openSync(outPath, "w"),
    err = fs.openSync(errPath, "w");
  try {
    const wasi = new WASI({
      version: "preview1",
      args: ["crypto-vectors", "/vectors"],
      env: {},
      preopens: { "/vectors": dir },
      stdout: out,
      stderr: err,
      returnOnExit: true,
    });
    const module = await WebAssembly.compile(fs.readFileSync(wasmPath));
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
    const code = wasi.start(instance);
    return { code, stdout: fs.readFileSync(outPath, "utf8"), stderr: fs.readFileSync(errPath, "utf8") };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
