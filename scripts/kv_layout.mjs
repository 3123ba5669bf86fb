// The KV layout from JavaScript (seeding tools and tests): the one mirror of src/kv_layout.h,
// checked against it by tests/wasm/kv_layout.test.mjs (through the WASI command's --kv-key).
// Parts are percent-encoded (every byte outside A-Z a-z 0-9 - _ . ~ @ +, uppercase hex); a key
// over 512 bytes has its last part replaced by "%h" + the SHA-256 hex of the encoded part.
import { createHash } from "node:crypto";

export const MAX_KEY_BYTES = 512;
const sha256hex = (s) => createHash("sha256").update(s, "utf8").digest("hex");

export function encodePart(part) {
  let out = "";
  for (const c of Buffer.from(String(part), "utf8")) {
    const plain =
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2d ||
      c === 0x5f ||
      c === 0x2e ||
      c === 0x7e ||
      c === 0x40 ||
      c === 0x2b;
    out += plain ? String.fromCharCode(c) : "%" + c.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function build(prefix, parts) {
  const encoded = parts.map(encodePart);
  const size = () => prefix.length + encoded.reduce((n, p) => n + 1 + p.length, 0);
  for (let i = encoded.length - 1; i >= 0 && size() > MAX_KEY_BYTES; i--) encoded[i] = "%h" + sha256hex(encoded[i]);
  return [prefix, ...encoded].join(":");
}

export const kvKey = {
  apiKey: (tokenSha256Hex) => build("apikey", [tokenSha256Hex]),
  account: (mode, accountId) => build("account", [mode, accountId]),
  workspaceMembership: (mode, id) => build("workspace_membership", [mode, id]),
  userByEmail: (mode, email) => build("user_by_email", [mode, email]),
  membership: (mode, accountId, { userId, email }) =>
    userId !== undefined
      ? build("account_membership", [mode, accountId, userId])
      : build("account_membership", [mode, accountId, "email", email]),
  idempotency: (mode, credentialId, key) => build("idempotency", [mode, credentialId, key]),
  jwks: (urlSha256Hex) => build("jwks", [urlSha256Hex]),
};

// A seed file's readable key ("account:test:acct_1", "account_membership:live:acct_1:email:a@b.c")
// as the layout builds it: split on ':' into the row's parts, the last part taking the rest.
export function layoutKey(readable) {
  const [row, mode, ...rest] = readable.split(":");
  const tail = rest.join(":");
  switch (row) {
    case "account":
      return kvKey.account(mode, tail);
    case "workspace_membership":
      return kvKey.workspaceMembership(mode, tail);
    case "user_by_email":
      return kvKey.userByEmail(mode, tail);
    case "account_membership": {
      const [account, ...member] = rest;
      const m = member.join(":");
      return m.startsWith("email:")
        ? kvKey.membership(mode, account, { email: m.slice(6) })
        : kvKey.membership(mode, account, { userId: m });
    }
    default:
      throw new Error(
        `seed key ${readable}: rows account, workspace_membership, user_by_email and account_membership are seeded by their readable key`,
      );
  }
}
