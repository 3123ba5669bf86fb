// The WebCrypto signature path (docs/api.md) against the BearSSL one, on the same known-answer vectors:
//  - every Wycheproof RSA (RS256) and ECDSA P-256 (ES256, r||s) case is performed by workerd with
//    the worker's own verify_signature executor (host-shims/workers/worker.mjs) and must give
//    the verdict BearSSL gives (dist/wasi/crypto-vectors.wasm), case by case;
//  - RFC 7515 A.2 (RS256) and A.3 (ES256) go through the real worker, whose core hands the check
//    to WebCrypto: the signature passes (the token then fails on its audience), a flipped bit fails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startWorker, readSeed, send, root } from "./harness.mjs";
import { runVectors } from "../wasm/vectors_runner.mjs";

const data = join(root, "tests", "vectors", "data");
const load = (f) => JSON.parse(readFileSync(join(data, f), "utf8"));
const b64url = (hex) => Buffer.from(hex, "hex").toString("base64url");
const unsigned = (hex) => hex.replace(/^(00)+(?=..)/, ""); // Wycheproof's integers carry a sign byte
const pad32 = (hex) => unsigned(hex).padStart(64, "0");

let vectors, bearssl;
before(async () => {
  vectors = await startWorker({ config: join(root, "tests", "worker", "webcrypto", "wrangler.toml") });
  const run = await runVectors();
  assert.equal(run.code, 0, run.stderr);
  bearssl = JSON.parse(run.stdout).files;
});
after(async () => {
  await vectors?.stop();
});

// Every case of a Wycheproof file as a verify_signature effect, with the minimal JWK the core sends.
function cases(file, alg, jwkOf) {
  const out = [];
  for (const g of load(file).testGroups)
    for (const t of g.tests)
      out.push({ id: t.tcId, alg, jwk: JSON.stringify(jwkOf(g)), data: t.msg, signature: t.sig });
  return out;
}

async function compare(t, key, file, alg, jwkOf) {
  const all = cases(file, alg, jwkOf);
  const res = await fetch(`${vectors.url}/`, { method: "POST", body: JSON.stringify(all) });
  const answers = await res.json();
  assert.equal(answers.length, all.length);
  let agree = 0,
    refused = 0;
  for (const a of answers) {
    const want = bearssl[key].verdicts[String(a.id)];
    assert.equal(typeof want, "boolean", `tcId ${a.id}: no BearSSL verdict`);
    // A key WebCrypto refuses is a failed outcome: the core then decides with BearSSL.
    const got = a.failure ? want : a.valid;
    if (a.failure) refused++;
    assert.equal(got, want, `tcId ${a.id}: WebCrypto says ${a.valid}, BearSSL ${want}`);
    agree++;
  }
  t.diagnostic(`${file}: ${agree} cases agree (${refused} keys refused by WebCrypto, decided by BearSSL)`);
  assert.equal(agree, all.length);
}

test("Wycheproof RSASSA-PKCS1-v1_5 2048/SHA-256: WebCrypto in workerd and BearSSL agree on every case", async (t) => {
  await compare(t, "rsa", "wycheproof/rsa_signature_2048_sha256_test.json", "RS256", (g) => ({
    kty: "RSA",
    n: b64url(unsigned(g.publicKey.modulus)),
    e: b64url(unsigned(g.publicKey.publicExponent)),
  }));
});

test("Wycheproof ECDSA P-256/SHA-256 (r||s): WebCrypto in workerd and BearSSL agree on every case", async (t) => {
  await compare(t, "ecdsa", "wycheproof/ecdsa_secp256r1_sha256_p1363_test.json", "ES256", (g) => ({
    kty: "EC",
    crv: "P-256",
    x: b64url(pad32(g.publicKey.wx)),
    y: b64url(pad32(g.publicKey.wy)),
  }));
});

test("RFC 7515 A.2 (RS256) and A.3 (ES256) through the real worker on the WebCrypto path", async () => {
  const rfc = load("rfc7515/rfc7515_appendix_a.json").tests;
  const keys = rfc
    .filter((c) => c.alg === "RS256" || c.alg === "ES256")
    .map((c) => {
      const { d, p, q, dp, dq, qi, ...pub } = c.jwk; // the public members only, as a JWKS publishes them
      return { ...pub, kid: c.alg };
    });
  const worker = await startWorker({
    seed: readSeed(),
    vars: {
      ROUTING: "edge",
      JWT_ISSUER: "joe",
      JWT_AUDIENCE: "rfc7515",
      JWT_JWKS: JSON.stringify({ keys }),
      LOG_LEVEL: "debug",
    },
  });
  try {
    for (const c of rfc.filter((c) => c.alg === "RS256" || c.alg === "ES256")) {
      const go = (token) =>
        send(worker.url, {
          method: "POST",
          target: "/v1/account-memberships/?account_id=acct_1",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          json: { email: "rfc@example.com" },
        });
      // The RFC's tokens name no kid and no audience: the signature verifies, then aud fails.
      const good = await go(c.compact);
      assert.equal(good.json.error.code, 40119, `${c.section}: ${good.text}`);
      const sig = Buffer.from(c.compact.split(".")[2], "base64url");
      sig[sig.length >> 1] ^= 1;
      const tampered = `${c.compact.split(".").slice(0, 2).join(".")}.${sig.toString("base64url")}`;
      const bad = await go(tampered);
      assert.equal(bad.json.error.code, 40114, `${c.section} tampered: ${bad.text}`);
    }
  } finally {
    await worker.stop();
  }
});
