// verify_signature and sign effects on WebCrypto: the core chose the key (its JWK) and the
// algorithm and built the bytes; this only imports the key, once per isolate (a private key
// non-extractable), and answers valid or not, or the signature. Used by the worker (worker.mjs)
// and, to measure the same exchange under Node, by bench/core_bench.mjs.
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

// The private keys of sign effects (ORIGIN_SIGNING_KEY), imported once per isolate, never extractable.
const signingKeys = new Map();

// sign: ES256 over data (an RFC 9421 signature base); answers { id, signature } with r||s
// (WebCrypto's ECDSA output is IEEE P1363, the form RFC 9421's ecdsa-p256-sha256 wants).
// Throws when WebCrypto refuses the key (the caller answers failed; the core then uses BearSSL).
export async function sign({ id, alg, jwk, data }) {
  const algorithm = ALGORITHMS[alg];
  if (alg !== "ES256") return { id, failure: Failure.failed, detail: `no WebCrypto signing for ${alg}` };
  let key = signingKeys.get(jwk);
  if (!key) {
    if (signingKeys.size >= 4) signingKeys.clear();
    key = crypto.subtle.importKey("jwk", JSON.parse(jwk), algorithm.importParams, false, ["sign"]);
    signingKeys.set(jwk, key);
    key.catch(() => signingKeys.delete(jwk));
  }
  const signature = new Uint8Array(await crypto.subtle.sign(algorithm.verifyParams, await key, data));
  return { id, signature };
}
