// Known-answer vectors inside WebAssembly: runs dist/wasi/crypto-vectors.wasm (the same checks as
// tests/unit/crypto_vectors.cpp, built by `cmake --preset wasi && cmake --build --preset wasi`)
// under node:wasi with tests/vectors/data preopened at /vectors, and checks its JSON summary
// against the case counts in tests/vectors/data/README.md so it cannot pass by checking nothing.
//
//   node --test tests/wasm/crypto_vectors.test.mjs
//
// Skipped with a message where the vectors folder is absent; failing where it is present and a
// vector disagrees (or the module was not built).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runVectors, vectorsDir, wasmPath } from "./vectors_runner.mjs";

const haveVectors = fs.existsSync(path.join(vectorsDir, "README.md"));
const skip = haveVectors ? false : `vectors folder ${vectorsDir} is absent`;

// README table rows: | `file` | source | what | 259: 9 valid, 1 acceptable, 249 invalid |
function readmeCounts() {
  const counts = {};
  for (const line of fs.readFileSync(path.join(vectorsDir, "README.md"), "utf8").split("\n")) {
    const m = line.match(/^\|\s*`([^`]+\.json)`\s*\|.*\|\s*(\d+)(?::([^|]*))?\s*\|\s*$/);
    if (!m) continue;
    const c = { total: Number(m[2]) };
    for (const part of (m[3] ?? "").split(",")) {
      const p = part.trim().match(/^(\d+) (valid|invalid|acceptable)$/);
      if (p) c[p[2]] = Number(p[1]);
    }
    counts[m[1]] = c;
  }
  return counts;
}

// What our mapping skips (see tests/vectors/vector_checks.cpp): truncated HMAC tags; valid
// HS256/384/512 JWK cases (oct keys are not read from a JWKS) and the ROCA key (tcId 7, logged);
// RFC 7515 A.4 (ES512, refused rather than verified).
const expected = {
  rsa: { file: "wycheproof/rsa_signature_2048_sha256_test.json", skipped: 0 },
  ecdsa: { file: "wycheproof/ecdsa_secp256r1_sha256_p1363_test.json", skipped: 0 },
  hmac: { file: "wycheproof/hmac_sha256_test.json", skipped: 87, valid: 33, invalid: 54, acceptable: 0 },
  jwk: { file: "wycheproof/json_web_key_test.json", skipped: 5, valid: 1, invalid: 20, acceptable: 0 },
  rfc7515: { file: "rfc7515/rfc7515_appendix_a.json", skipped: 1, valid: 3, invalid: 1, acceptable: 0 },
};

let run; // one run of the module, shared by the per-file tests
async function summary() {
  if (!run) {
    assert.ok(fs.existsSync(wasmPath), `${wasmPath} is missing: cmake --preset wasi && cmake --build --preset wasi`);
    run = await runVectors(vectorsDir);
  }
  return run;
}

test("crypto-vectors.wasm: every vector agrees inside WebAssembly", { skip }, async (t) => {
  const { code, stdout, stderr } = await summary();
  const s = JSON.parse(stdout);
  for (const [key, r] of Object.entries(s.files))
    for (const d of r.disagreements) t.diagnostic(`${key}: DISAGREES: ${d}`);
  assert.equal(s.ok, true, `summary not ok:\n${stdout}\n${stderr}`);
  assert.equal(code, 0);
  assert.deepEqual(Object.keys(s.files).sort(), Object.keys(expected).sort());
});

for (const [key, want] of Object.entries(expected)) {
  test(`crypto-vectors.wasm: ${want.file}`, { skip }, async (t) => {
    const { stdout } = await summary();
    const r = JSON.parse(stdout).files[key];
    assert.ok(r, `no report for ${key}`);
    for (const n of r.notes) t.diagnostic(n); // acceptable outcomes and skips are logged
    assert.equal(r.loaded, true, r.error);
    assert.deepEqual(r.disagreements, []);
    const readme = readmeCounts()[want.file];
    assert.ok(readme, `README.md has no row for ${want.file}`);
    assert.equal(r.total, readme.total, "case count differs from README.md");
    for (const k of ["valid", "invalid", "acceptable"]) {
      // README gives the breakdown for files checked whole; our mapping fixes the rest.
      const n = want.skipped === 0 ? (readme[k] ?? 0) : want[k];
      assert.equal(r[k], n, `${k} cases`);
    }
    assert.equal(r.skipped, want.skipped, "skipped cases");
    assert.equal(r.checked + r.skipped, r.total);
    assert.equal(r.valid_agree, r.valid, "valid cases agreeing");
    assert.equal(r.invalid_agree, r.invalid, "invalid cases agreeing");
    assert.equal(r.acceptable_accepted + r.acceptable_rejected, r.acceptable);
    t.diagnostic(
      `${r.valid} valid, ${r.invalid} invalid agree; ${r.acceptable} acceptable ` +
        `(${r.acceptable_accepted} accepted, ${r.acceptable_rejected} rejected); ${r.skipped} skipped`,
    );
  });
}

test("crypto-vectors.wasm fails on a disagreeing vector and skips without the folder", { skip }, async () => {
  assert.ok(fs.existsSync(wasmPath), `${wasmPath} is missing: cmake --preset wasi && cmake --build --preset wasi`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "crypto-vectors-bad-"));
  try {
    fs.cpSync(vectorsDir, tmp, { recursive: true });
    const file = path.join(tmp, "wycheproof/hmac_sha256_test.json");
    fs.chmodSync(file, 0o644);
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    const first = doc.testGroups[0].tests[0];
    assert.equal(first.result, "valid");
    first.result = "invalid"; // a correct tag now claimed wrong: must be reported
    fs.writeFileSync(file, JSON.stringify(doc));
    const bad = await runVectors(tmp);
    assert.equal(bad.code, 1);
    const s = JSON.parse(bad.stdout);
    assert.equal(s.ok, false);
    assert.equal(s.files.hmac.disagreements.length, 1);
    assert.match(s.files.hmac.disagreements[0], /^tcId 1 /);

    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "crypto-vectors-none-"));
    try {
      const none = await runVectors(empty);
      assert.equal(none.code, 77);
      assert.match(none.stderr, /SKIP: vectors folder/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
