#!/usr/bin/env node
// Runs the WASI command under Node's node:wasi with wasmtime's arguments, for people without
// wasmtime:  node host-shims/wasi/run.mjs [--dir HOST::GUEST]... [--env K=V]... [MODULE.wasm] [ARGS...]
// MODULE defaults to dist/wasi/membership-cli.wasm; stdin, stdout and stderr are this process's.
import { WASI } from "node:wasi";
import { readFileSync } from "node:fs";
import { resolve, join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

process.removeAllListeners("warning"); // node:wasi is "experimental": keep stderr for the log lines
const argv = process.argv.slice(2);
const preopens = {};
const env = {};
let module = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "wasi", "membership-cli.wasm");
const args = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if ((a === "--dir" || a === "--mapdir") && i + 1 < argv.length) {
    const [host, guest] = argv[++i].split("::");
    preopens[guest ?? host] = resolve(host);
  } else if (a === "--env" && i + 1 < argv.length) {
    const [k, ...v] = argv[++i].split("=");
    env[k] = v.join("=");
  } else if (a.endsWith(".wasm") && !args.length) {
    module = a;
  } else {
    args.push(a);
  }
}
const wasi = new WASI({
  version: "preview1",
  args: ["membership-cli.wasm", ...args],
  env,
  preopens,
  returnOnExit: true,
});
const instance = await WebAssembly.instantiate(await WebAssembly.compile(readFileSync(module)), wasi.getImportObject());
process.exitCode = wasi.start(instance);
