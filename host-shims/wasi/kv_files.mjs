// The WASI command's KV directory from JavaScript: the same file-name encoding and header line as
// host-shims/wasi/kv_files.cpp, so tests and people can seed or read the store.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Bytes outside [A-Za-z0-9._-] as %XX (and a leading "." or "h-" escaped); over 200 bytes: h-<sha256>.
export function encodeKey(key) {
  let out = "";
  const bytes = Buffer.from(key, "utf8");
  bytes.forEach((c, i) => {
    const plain =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2e ||
      c === 0x5f ||
      c === 0x2d;
    const escape = !plain || (i === 0 && c === 0x2e) || (i === 1 && c === 0x2d && bytes[0] === 0x68);
    out += escape ? "%" + c.toString(16).toUpperCase().padStart(2, "0") : String.fromCharCode(c);
  });
  if (out.length > 200 || !out.length) return "h-" + createHash("sha256").update(key).digest("hex");
  return out;
}

// Writes {key, value} entries as files; a hashed name carries its key in the header line.
export function seedKvDir(dir, entries) {
  mkdirSync(dir, { recursive: true });
  for (const { key, value } of entries) {
    const name = encodeKey(key);
    const content = name.startsWith("h-") ? `#mb-kv v1 ${JSON.stringify({ key })}\n${value}` : value;
    writeFileSync(join(dir, name), content);
  }
}
