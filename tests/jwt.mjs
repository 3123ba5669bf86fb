// Real JWTs for the tests, signed with keys the tests generate (node:crypto).
import { generateKeyPairSync, createHmac, sign, randomBytes } from "node:crypto";

export const b64url = (buf) => Buffer.from(buf).toString("base64url");

export function makeKeys() {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const weakRsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const hsSecret = randomBytes(32).toString("hex");
  const jwks = {
    keys: [
      { ...rsa.publicKey.export({ format: "jwk" }), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...ec.publicKey.export({ format: "jwk" }), kid: "ec-1", alg: "ES256", use: "sig" },
      { ...weakRsa.publicKey.export({ format: "jwk" }), kid: "rsa-weak" },
      { kty: "oct", k: b64url(Buffer.from(hsSecret)), kid: "oct-1" },
    ],
  };
  return { rsa, ec, weakRsa, hsSecret, jwks };
}

// Signs header.payload with alg; `key` is a KeyObject (RS256/ES256) or a secret (HS256).
export function signJwt(header, payload, key) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  let sig;
  if (header.alg === "HS256") sig = createHmac("sha256", key).update(input).digest();
  else if (header.alg === "RS256") sig = sign("sha256", Buffer.from(input), key);
  else if (header.alg === "ES256") sig = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  else sig = Buffer.alloc(0);
  return `${input}.${b64url(sig)}`;
}

export function claims(overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: "https://auth.example.com/",
    aud: "memberships-api",
    sub: "user_42",
    iat: now - 10,
    exp: now + 600,
    scope: "openid memberships:write",
    account_ids: ["acct_1"],
    livemode: false,
    ...overrides,
  };
}
