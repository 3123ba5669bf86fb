#!/usr/bin/env node
// Experiments behind the suggested fixes: the worker module rebuilt from build/wasi's own compile
// and link commands (ninja -t commands) with other optimisation flags, into build/bench/variants/,
// without touching the shipped build. Used by bench/run.mjs to measure what a flag change buys
// (per-request CPU in V8, and size) before anyone edits cmake/.
//   ndebug              as shipped plus -DNDEBUG (cmake/wasi.cmake sets CMAKE_{C,CXX}_FLAGS_RELEASE to
//                       "-Oz", dropping CMake's -DNDEBUG, so assert() and nlohmann's assert_invariant are live)
//   bearssl-O3          BearSSL compiled with -O3, everything else as shipped (-Oz, wasm-opt -Oz)
//   ndebug+bearssl-O3   both (the suggested change to cmake/wasi.cmake)
//   all-O3              every object -O3 -DNDEBUG and the link's wasm-opt pass at -O3
//   O2+bearssl-O3       the core -O2, BearSSL -O3, the link's wasm-opt pass at -O2 (the shipped build)
//   Oz+bearssl-O3       the same size-first: the core -Oz (what the module shipped with before)
//
//   node bench/variants.mjs [bearssl-O3|all-O3 ...]    prints {variant: path}
import { exec as execCb, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { root, work } from "./lib/paths.mjs";

const exec = promisify(execCb);

const isBearssl = (file) => file.includes("third_party/bearssl/");
export const VARIANTS = {
  ndebug: { compile: () => "-Oz -DNDEBUG", link: null },
  "bearssl-O3": { compile: (file) => (isBearssl(file) ? "-O3" : null), link: null },
  "ndebug+bearssl-O3": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : "-Oz -DNDEBUG"), link: null },
  "all-O3": { compile: () => "-O3 -DNDEBUG", link: "-O3" },
  "O2+bearssl-O3": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : "-O2 -DNDEBUG"), link: "-O2" },
  "Oz+bearssl-O3": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : "-Oz -DNDEBUG"), link: "-Oz" },
  "O2-inline50+bearssl-O3": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : "-O2 -DNDEBUG -mllvm -inline-threshold=50"), link: "-O2" },
  "O2-inline100+bearssl-O3": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : "-O2 -DNDEBUG -mllvm -inline-threshold=100"), link: "-O2" },
  // Size-first core, speed where the time goes: the JSON reader and writer (nlohmann's lexer), the
  // worker ABI's frames and the KV layout at -O2; BearSSL -O3; the link's wasm-opt pass -Oz.
  "mixed": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : /json_reader|json_writer|frames|kv_layout|worker_entry/.test(file) ? "-O2 -DNDEBUG" : "-Oz -DNDEBUG"), link: "-Oz" },
  "mixed-Os": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : /json_reader|json_writer|frames|kv_layout|worker_entry/.test(file) ? "-O2 -DNDEBUG" : "-Os -DNDEBUG"), link: "-Os" },
  // The shipped -O2 with the code that runs once per isolate, or rarely, at -Oz.
  "cold-Oz": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : /src\/(config|jwks|jwks_source|preview|cors|errors|timefmt)\.cpp/.test(file) ? "-Oz -DNDEBUG" : "-O2 -DNDEBUG"), link: "-O2" },
  "cold-Oz-link-Oz": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : /src\/(config|jwks|jwks_source|preview|cors|errors|timefmt)\.cpp/.test(file) ? "-Oz -DNDEBUG" : "-O2 -DNDEBUG"), link: "-Oz" },
  "Os+bearssl-O3": { compile: (file) => (isBearssl(file) ? "-O3 -DNDEBUG" : "-Os -DNDEBUG"), link: "-Os" },
};

async function pool(tasks, width) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) await tasks[next++]();
  }));
}

export async function buildVariant(name, { jobs = 2 } = {}) {
  const v = VARIANTS[name];
  const dir = join(root, "build", "wasi");
  const out = join(work, "variants", name);
  const commands = execFileSync("ninja", ["-C", dir, "-t", "commands", "membership"], { encoding: "utf8" }).trim().split("\n");
  const link = commands.pop();
  const replaced = new Map(); // object path -> variant object path
  const tasks = [];
  for (const cmd of commands) {
    const obj = / -o (\S+\.o) /.exec(cmd)?.[1];
    const src = / -c (\S+)$/.exec(cmd)?.[1];
    if (!obj || !src) continue;
    const level = v.compile(src);
    if (!level) continue;
    const target = join(out, obj);
    mkdirSync(dirname(target), { recursive: true });
    replaced.set(obj, target);
    // Up to date when newer than the shipped build's object (which ninja rebuilds on any change).
    if (existsSync(target) && existsSync(join(dir, obj)) && statSync(target).mtimeMs > statSync(join(dir, obj)).mtimeMs) continue;
    const c = cmd.replace(/ -O[0-3sz] /, ` ${level} `).replace(` -o ${obj} `, ` -o ${target} `).replace(/ -MD -MT \S+ -MF \S+/, "");
    tasks.push(() => exec(c, { cwd: dir, maxBuffer: 64 * 1024 * 1024 }));
  }
  await pool(tasks, jobs);
  const wasm = join(out, "membership.wasm");
  let l = link.replace(/ -o \S+membership\.wasm/, ` -o ${wasm}`);
  for (const [obj, target] of replaced) l = l.replace(` ${obj} `, ` ${target} `);
  if (v.link) l = l.replace(/ -O[0-3sz] /, ` ${v.link} `);
  await exec(l, { cwd: dir, maxBuffer: 64 * 1024 * 1024, shell: "/bin/bash" });
  return wasm;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(VARIANTS);
  const out = {};
  for (const n of names) out[n] = await buildVariant(n);
  console.log(JSON.stringify(out));
}
