// Preopens the WASI command's directories when it runs under jco (`jco run --jco-import` this file):
// `jco run` has no --dir flag, so this does what wasmtime's `--dir ./kv::/kv` does, through the
// preview2-shim that jco itself loads. docs/wasi.md, "Under jco".
//
//   /kv      from $MB_KV_DIR, else ./kv (when it exists)
//   /origin  from $MB_ORIGIN_DIR (origin recordings), when set
//
// Both variables are removed from the environment the command sees; the rest of jco's environment
// (the whole process environment) is passed as jco passes it.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

// The preview2-shim jco resolves (jco run links the component's imports to it) may be a copy of its
// own: look it up from jco's package, and from here only when jco is not found.
function shim(subpath) {
  const from = [];
  try {
    from.push(createRequire(import.meta.url).resolve("@bytecodealliance/jco"));
  } catch {}
  from.push(import.meta.url);
  for (const base of from) {
    try {
      return pathToFileURL(createRequire(base).resolve(`@bytecodealliance/preview2-shim/${subpath}`)).href;
    } catch {}
  }
  throw new Error("jco-preopen: @bytecodealliance/preview2-shim not found (npm ci)");
}

const { _addPreopen } = await import(shim("filesystem"));
const { _setEnv } = await import(shim("cli"));

const kv = process.env.MB_KV_DIR ?? (existsSync("kv") ? "kv" : null);
if (kv !== null) {
  if (!existsSync(kv)) throw new Error(`jco-preopen: MB_KV_DIR ${kv} does not exist`);
  _addPreopen("/kv", resolve(kv));
}
if (process.env.MB_ORIGIN_DIR) _addPreopen("/origin", resolve(process.env.MB_ORIGIN_DIR));

const { MB_KV_DIR, MB_ORIGIN_DIR, ...guestEnv } = process.env;
_setEnv(Object.fromEntries(Object.entries(guestEnv).filter(([, v]) => v !== undefined)));
