// Runs the native benchmark under valgrind --tool=callgrind for one case and summarises it:
// instructions per request, the inclusive share of the core's entry points and of the worker
// ABI's frame codec (wire mode), and the top functions by self cost.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shortName } from "./cpuprofile.mjs";

const ENTRY = [
  ["Exchange::begin", /mb::Exchange::begin\(/],
  ["Exchange::resume", /mb::Exchange::resume\(/],
  ["record()", /mb::(\(anonymous namespace\)|Exchange)::record\(/],
  ["verify_api_key", /mb::Exchange::verify_api_key\(/],
  ["verify_jwt", /mb::Exchange::verify_jwt\(/],
  ["success_envelope", /mb::success_envelope\(/],
  ["validate_body", /mb::validate_body\(/],
  ["parse_strict (all JSON parsing)", /^mb::parse_strict\(/],
  ["frames: write_step", /mb::frames::write_step\(/],
  ["frames: read_outcomes", /mb::frames::read_outcomes\(/],
  ["frames: read_request", /mb::frames::read_request\(/],
  ["sha256", /mb::sha256\(/],
  ["BearSSL RSA", /br_rsa_i31_public|br_rsa_i31_pkcs1_vrfy/],
  ["BearSSL ECDSA", /br_ecdsa_i31_vrfy_raw/],
];

function parseLines(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s{2}(?!=>)(?:[^:]*:)?(.*?)(?: \[[^\]]*\])?$/.exec(line);
    if (m) out.push({ ir: Number(m[1].replaceAll(",", "")), fn: m[2] });
  }
  return out;
}

export function callgrind(nativeBench, fixture, { only, mode, limit = 200, warmup = 1000 }) {
  const dir = mkdtempSync(join(tmpdir(), "mb-cg-"));
  const file = join(dir, "callgrind.out");
  try {
    const toggle = mode === "wire" ? "*run_one_wire*" : "*run_one(*";
    execFileSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${file}`, `--toggle-collect=${toggle}`, nativeBench, fixture,
      "--only", only, "--limit", String(limit), "--mode", mode], { stdio: ["ignore", "ignore", "ignore"] });
    const self = parseLines(execFileSync("callgrind_annotate", ["--inclusive=no", "--threshold=100", "--auto=no", file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }));
    const incl = parseLines(execFileSync("callgrind_annotate", ["--inclusive=yes", "--threshold=100", "--auto=no", file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }));
    const total = self.find((l) => l.fn === "PROGRAM TOTALS")?.ir ?? incl[0]?.ir ?? 0;
    const requests = limit + warmup;
    const entries = [];
    for (const [label, re] of ENTRY) {
      if (!re) continue;
      const hit = incl.filter((l) => re.test(l.fn)).reduce((a, l) => Math.max(a, l.ir), 0);
      if (hit) entries.push({ label, ir_per_request: hit / requests, share: hit / total });
    }
    const top = self.filter((l) => !/PROGRAM TOTALS|events annotated/.test(l.fn)).sort((a, b) => b.ir - a.ir).slice(0, 12)
      .map((l) => ({ fn: shortName(l.fn), ir_per_request: l.ir / requests, share: l.ir / total }));
    return { case: only, mode, requests, ir_per_request: total / requests, entries, top };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
