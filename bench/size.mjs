#!/usr/bin/env node
// Size of the shipped modules and what costs bytes.
//
// The worker module (dist/worker/membership.wasm, or --wasm), raw / gzip -9 / brotli, and where its
// code bytes go: the link re-run from build/wasi keeping the name section (`--strip-debug`, then
// the same `wasm-opt` level with -g), function body sizes from `wasm-objdump -x`, grouped by origin
// (bench/lib/origin.mjs); the largest functions. The size gate is tests/wasm/budgets.test.mjs.
//
//   node bench/size.mjs [--wasm <worker module>]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { root, work } from "./lib/paths.mjs";
import { origin } from "./lib/origin.mjs";

const FEATURES = [
  "--enable-sign-ext",
  "--enable-bulk-memory",
  "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int",
];

export function sizes(path) {
  const bytes = readFileSync(path);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function wasmOpt(input, output, extra = [], level = "-Oz") {
  execFileSync("wasm-opt", [level, ...FEATURES, ...extra, input, "-o", output], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return output;
}

// The optimisation level of the worker's link, which clang's driver also hands to wasm-opt.
function linkLevel() {
  const cmd = execFileSync("ninja", ["-C", join(root, "build", "wasi"), "-t", "commands", "membership"], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop();
  return (cmd.match(/ -O[0-3sz]\b/g) ?? [" -Oz"]).pop().trim();
}

// The link command of the worker module from build/wasi's ninja file, re-run with changes.
function relink(output, { keepNames }) {
  const dir = join(root, "build", "wasi");
  let cmd = execFileSync("ninja", ["-C", dir, "-t", "commands", "membership"], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  const shippedOut = / -o (\S+membership\.wasm)/.exec(cmd)?.[1];
  if (!shippedOut) throw new Error("cannot find the worker link command in build/wasi");
  cmd = cmd.replace(` -o ${shippedOut}`, ` -o ${output}`);
  if (keepNames) cmd = cmd.replace("-Wl,--strip-all", "-Wl,--strip-debug");
  // A PATH with wasm-ld only, so that clang's driver does not run wasm-opt after linking.
  const bin = mkdtempSync(join(tmpdir(), "mb-ldonly-"));
  const ld = /"?(\/\S*wasm-ld[-\d]*)"?/.exec(
    execFileSync("/bin/bash", ["-c", `${cmd.replace(/^:\s*&&\s*/, "").replace(/\s*&&\s*:\s*$/, "")} -###`], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).toString(),
  )?.[1];
  const ldPath = ld ?? "/usr/bin/wasm-ld-19";
  symlinkSync(ldPath, join(bin, ldPath.split("/").pop()));
  try {
    execFileSync("/bin/bash", ["-c", cmd], {
      cwd: dir,
      env: { ...process.env, PATH: bin },
      stdio: ["ignore", "ignore", "pipe"],
    });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
  return output;
}

function sectionSizes(path) {
  const out = execFileSync("wasm-objdump", ["-h", path], { encoding: "utf8" });
  const sections = {};
  for (const m of out.matchAll(/^\s*(\w+) start=\S+ end=\S+ \(size=(0x[0-9a-f]+)\)(?: count: \d+)?(?: "([^"]+)")?/gm))
    sections[m[3] ?? m[1]] = (sections[m[3] ?? m[1]] ?? 0) + parseInt(m[2], 16);
  return sections;
}

function functionSizes(path) {
  const out = execFileSync("wasm-objdump", ["-x", "-j", "Code", path], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const fns = [];
  for (const m of out.matchAll(/- func\[(\d+)\] size=(\d+)(?: <(.*)>)?$/gm))
    fns.push({ index: Number(m[1]), size: Number(m[2]), name: m[3] ?? `func[${m[1]}]` });
  return fns;
}

export function shortName(name) {
  let out = "";
  let depth = 0;
  for (const ch of name
    .replaceAll("json_abi_v3_11_2::", "")
    .replaceAll("std::__2::", "std::")
    .replaceAll("[abi:nn190107]", "")) {
    if (ch === "<") {
      if (depth++ === 0) out += "<…>";
      continue;
    }
    if (ch === ">") {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth === 0) out += ch;
  }
  return out.length > 120 ? out.slice(0, 119) + "…" : out;
}

export function measureSize({
  wasm = join(root, "dist", "worker", "membership.wasm"),
  named = join(work, "membership.named.wasm"),
} = {}) {
  mkdirSync(work, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "mb-size-"));
  try {
    wasmOpt(relink(join(tmp, "named-linked.wasm"), { keepNames: true }), named, ["-g"], linkLevel());
    const sections = sectionSizes(wasm);
    const fns = functionSizes(named);
    const byOrigin = {};
    for (const f of fns) byOrigin[origin(f.name)] = (byOrigin[origin(f.name)] ?? 0) + f.size;
    return {
      worker: { path: wasm.replace(root + "/", ""), shipped: sizes(wasm), sections },
      breakdown: {
        names_match_shipped: sections.Code === sectionSizes(named).Code,
        code_bytes: fns.reduce((a, f) => a + f.size, 0),
        data_bytes: sections.Data ?? 0,
        by_origin: Object.entries(byOrigin)
          .map(([name, bytes]) => ({ name, bytes }))
          .sort((a, b) => b.bytes - a.bytes),
        top_functions: fns
          .sort((a, b) => b.size - a.size)
          .slice(0, 12)
          .map((f) => ({ name: shortName(f.name), origin: origin(f.name), bytes: f.size })),
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { wasm: { type: "string" } } });
  console.log(JSON.stringify(measureSize({ wasm: values.wasm }), null, 1));
}
