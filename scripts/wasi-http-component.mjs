#!/usr/bin/env node
// Makes the wasi:http component from its core module, with jco's own tools:
//   node scripts/wasi-http-component.mjs CORE.wasm OUT.wasm WORKDIR
// 1. WORKDIR/wit: wasm/wit/world.wit with jco's builtin WIT packages (wasi:http@0.2.12 and what it
//    uses) under deps/, the layout `jco embed --wit` reads.
// 2. `jco embed` puts the world's types into the core module. jco runs wasm-tools inside its own
//    preview2-shim, which preopens no directory: --import gives it WORKDIR/wit (and nothing else).
// 3. `jco new --wasi-reactor` wraps it, with the preview1 adapter jco ships, as a component.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const [core, out, work] = process.argv.slice(2).map((p) => resolve(p));
if (!work) {
  console.error("usage: wasi-http-component.mjs CORE.wasm OUT.wasm WORKDIR");
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const jcoMain = createRequire(import.meta.url).resolve("@bytecodealliance/jco");
const jcoDir = join(dirname(jcoMain), "..");
const jcoCli = join(jcoDir, "dist", "jco.js");
const builtin = join(jcoDir, "lib", "wit", "builtin", "0.2.12");

const wit = join(work, "wit");
rmSync(wit, { recursive: true, force: true });
mkdirSync(join(wit, "deps"), { recursive: true });
cpSync(join(root, "wasm", "wit", "world.wit"), join(wit, "world.wit"));
for (const pkg of readdirSync(builtin))
  cpSync(join(builtin, pkg), join(wit, "deps", pkg.replace(/^wasi-/, "")), { recursive: true });

// The preview2-shim the jco CLI's wasm-tools loads (resolved from jco-transpile, as it does).
const transpile = createRequire(jcoMain).resolve("@bytecodealliance/jco-transpile/wasm-tools");
const shim = pathToFileURL(createRequire(transpile).resolve("@bytecodealliance/preview2-shim/filesystem")).href;
const preopen = join(work, "preopen-wit.mjs");
writeFileSync(
  preopen,
  `import { _addPreopen } from ${JSON.stringify(shim)};\n_addPreopen(${JSON.stringify(wit)}, ${JSON.stringify(wit)});\n`,
);

const embedded = join(work, "membership-http.embed.wasm");
const run = (args) => execFileSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
run([
  "--import",
  pathToFileURL(preopen).href,
  jcoCli,
  "embed",
  core,
  "--wit",
  wit,
  "--world-name",
  "http-host",
  "-o",
  embedded,
]);
run([jcoCli, "new", embedded, "--wasi-reactor", "-o", out]);
