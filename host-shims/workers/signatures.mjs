// verify_signature effects on WebCrypto (SPEC §3): the core chose the key (its JWK) and the
// algorithm; this only imports the key, once per isolate, and answers valid or not. Used by the
// worker (worker.mjs) and, to measure the same exchange under Node, by bench/core_bench.mjs.
import { Failure } from "./core.mjs";

// Public keys imported once per isolate, by their JWK (the core sends a minimal, canonical one).
const importedKeys = new Map();
const MAX_IMPORTED_KEYS = 64;
const ALGORITHMS = {
  RS256: { importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verifyParams: { name: "RSASSA-PKCS1-v1_5" } },
  ES256: { importParams: { name: "ECDSA", namedCurve: "P-256" }, verifyParams: { name: "ECDSA", hash: "SHA-256" } },
};

// verify_signature: data (the signing input) and signature are bytes; answers { id, valid }.
// Throws when WebCrypto refuses the key (the caller answers failed; the core then uses BearSSL).
export async function verifySignature({ id, alg, jwk, data, signature }) {
  const algorithm = ALGORITHMS[alg];
  if (!algorithm) return { id, failure: Failure.failed, detail: `no WebCrypto algorithm for ${alg}` };
  let key = importedKeys.get(jwk);
  if (!key) {
    if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.clear();
    key = crypto.subtle.importKey("jwk", JSON.parse(jwk), algorithm.importParams, false, ["verify"]);
    importedKeys.set(jwk, key);
    key.catch(() => importedKeys.delete(jwk));
  }
  const valid = await crypto.subtle.verify(algorithm.verifyParams, await key, signature, data);
  return { id, valid };
}
