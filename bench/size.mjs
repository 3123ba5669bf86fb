#!/usr/bin/env node
// Size of the shipped modules and what costs bytes.
//
// Worker module (dist/worker/membership.wasm, or --wasm): three stages, each raw / gzip -9 / brotli:
//   linked    wasm-ld output before any wasm-opt (the link re-run from build/wasi with no wasm-opt
//             on PATH: clang's driver runs wasm-opt -Oz itself after linking when it finds one)
//   shipped   what scripts/build ships (linked, then clang's own `wasm-opt -Oz`)
//   wasm-opt  shipped + one more `wasm-opt -Oz --all-features` (what an extra pass still finds)
// Browser module (dist/browser/membership-preview.wasm): shipped and after wasm-opt -Oz.
// Breakdown: the link re-run keeping the name section (`--strip-debug`, then `wasm-opt -Oz -g`),
// so the code is the shipped code with names; function body sizes from `wasm-objdump -x`,
// grouped by origin (twiggy-style shallow sizes), plus the data section.
//
//   node bench/size.mjs [--wasm <worker module>] [--out <json>] [--named <path to write>]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { root, work } from "./lib/paths.mjs";
import { origin } from "./lib/origin.mjs";

export { origin };

const FEATURES = ["--enable-sign-ext", "--enable-bulk-memory", "--enable-mutable-globals", "--enable-nontrapping-float-to-int"];

export function sizes(path) {
  const bytes = readFileSync(path);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function wasmOpt(input, output, extra = [], level = "-Oz") {
  execFileSync("wasm-opt", [level, ...FEATURES, ...extra, input, "-o", output], { stdio: ["ignore", "ignore", "pipe"] });
  return output;
}

// The optimisation level of the worker's link, which clang's driver also hands to wasm-opt.
function linkLevel() {
  const cmd = execFileSync("ninja", ["-C", join(root, "build", "wasi"), "-t", "commands", "membership"], { encoding: "utf8" }).trim().split("\n").pop();
  return (cmd.match(/ -O[0-3sz]\b/g) ?? [" -Oz"]).pop().trim();
}

// The link command of the worker module from build/wasi's ninja file, re-run with changes.
function relink(output, { keepNames }) {
  const dir = join(root, "build", "wasi");
  let cmd = execFileSync("ninja", ["-C", dir, "-t", "commands", "membership"], { encoding: "utf8" }).trim().split("\n").pop();
  const shippedOut = / -o (\S+membership\.wasm)/.exec(cmd)?.[1];
  if (!shippedOut) throw new Error("cannot find the worker link command in build/wasi");
  cmd = cmd.replace(` -o ${shippedOut}`, ` -o ${output}`);
  if (keepNames) cmd = cmd.replace("-Wl,--strip-all", "-Wl,--strip-debug");
  // A PATH with wasm-ld only, so that clang's driver does not run wasm-opt after linking.
  const bin = mkdtempSync(join(tmpdir(), "mb-ldonly-"));
  const ld = /"?(\/\S*wasm-ld[-\d]*)"?/.exec(execFileSync("/bin/bash", ["-c", `${cmd.replace(/^:\s*&&\s*/, "").replace(/\s*&&\s*:\s*$/, "")} -###`], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).toString())?.[1];
  const ldPath = ld ?? "/usr/bin/wasm-ld-19";
  symlinkSync(ldPath, join(bin, ldPath.split("/").pop()));
  try {
    execFileSync("/bin/bash", ["-c", cmd], { cwd: dir, env: { ...process.env, PATH: bin }, stdio: ["ignore", "ignore", "pipe"] });
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
  const out = execFileSync("wasm-objdump", ["-x", "-j", "Code", path], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const fns = [];
  for (const m of out.matchAll(/- func\[(\d+)\] size=(\d+)(?: <(.*)>)?$/gm)) fns.push({ index: Number(m[1]), size: Number(m[2]), name: m[3] ?? `func[${m[1]}]` });
  return fns;
}

// Which functions call the libc formatting and number scanners (what keeps them in the module).
function callersOf(path, targets) {
  const out = execFileSync("wasm-objdump", ["-d", path], { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const callers = {};
  let fn = "";
  const re = new RegExp(`call \\d+ <(${targets.join("|")})>`);
  for (const line of out.split("\n")) {
    const head = /^[0-9a-f]+ func\[\d+\] <(.*)>:$/.exec(line);
    if (head) { fn = head[1]; continue; }
    const m = re.exec(line);
    if (m) (callers[m[1]] ??= new Set()).add(shortName(fn));
  }
  return Object.fromEntries(Object.entries(callers).map(([k, v]) => [k, [...v]]));
}

export function shortName(name) {
  let out = "";
  let depth = 0;
  for (const ch of name.replaceAll("json_abi_v3_11_2::", "").replaceAll("std::__2::", "std::").replaceAll("[abi:nn190107]", "")) {
    if (ch === "<") { if (depth++ === 0) out += "<…>"; continue; }
    if (ch === ">") { depth = Math.max(0, depth - 1); continue; }
    if (depth === 0) out += ch;
  }
  return out.length > 120 ? out.slice(0, 119) + "…" : out;
}

export function measureSize({ wasm = join(root, "dist", "worker", "membership.wasm"), named = join(work, "membership.named.wasm") } = {}) {
  mkdirSync(work, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "mb-size-"));
  try {
    const linked = relink(join(tmp, "linked.wasm"), { keepNames: false });
    const extra = wasmOpt(wasm, join(tmp, "shipped-opt.wasm"));
    const namedLinked = relink(join(tmp, "named-linked.wasm"), { keepNames: true });
    const level = linkLevel();
    wasmOpt(namedLinked, named, ["-g"], level);
    const shippedSections = sectionSizes(wasm);
    const namedSections = sectionSizes(named);
    const namesMatch = shippedSections.Code === namedSections.Code && shippedSections.Data === namedSections.Data;

    const browserWasm = join(root, "dist", "browser", "membership-preview.wasm");
    const browserGlue = join(root, "dist", "browser", "membership-preview.mjs");
    const browserOpt = wasmOpt(browserWasm, join(tmp, "browser-opt.wasm"));

    const fns = functionSizes(named);
    const code = fns.reduce((a, f) => a + f.size, 0);
    const byOrigin = {};
    for (const f of fns) byOrigin[origin(f.name)] = (byOrigin[origin(f.name)] ?? 0) + f.size;
    const linkedFns = functionSizes(namedLinked);
    const byOriginLinked = {};
    for (const f of linkedFns) byOriginLinked[origin(f.name)] = (byOriginLinked[origin(f.name)] ?? 0) + f.size;
    const libcUsers = callersOf(named, ["snprintf", "vsnprintf", "vfprintf", "__intscan", "scanexp", "__floatscan", "strtod", "strtoll", "strtoull"]);
    const sorted = (obj) => Object.entries(obj).map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
    return {
      worker: {
        path: wasm.replace(root + "/", ""),
        opt_level: level,
        linked: sizes(linked),
        shipped: sizes(wasm),
        wasm_opt: sizes(extra),
        sections: shippedSections,
      },
      browser: {
        path: browserWasm.replace(root + "/", ""),
        mtime: statSync(browserWasm).mtime.toISOString(),
        shipped: sizes(browserWasm),
        wasm_opt: sizes(browserOpt),
        glue: sizes(browserGlue),
      },
      breakdown: {
        named_module: named.replace(root + "/", ""),
        names_match_shipped: namesMatch,
        functions: fns.length,
        code_bytes: code,
        data_bytes: shippedSections.Data ?? 0,
        by_origin: sorted(byOrigin),
        linked_functions: linkedFns.length,
        linked_code_bytes: linkedFns.reduce((a, f) => a + f.size, 0),
        by_origin_linked: sorted(byOriginLinked),
        libc_callers: libcUsers,
        top_functions_linked: linkedFns.sort((a, b) => b.size - a.size).slice(0, 12).map((f) => ({ name: shortName(f.name), origin: origin(f.name), bytes: f.size })),
        top_functions: fns.sort((a, b) => b.size - a.size).slice(0, 20).map((f) => ({ name: shortName(f.name), origin: origin(f.name), bytes: f.size })),
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { wasm: { type: "string" }, out: { type: "string" }, named: { type: "string" } } });
  const result = measureSize({ wasm: values.wasm, named: values.named });
  const text = JSON.stringify(result, null, 1);
  if (values.out) writeFileSync(values.out, text);
  else console.log(text);
}
