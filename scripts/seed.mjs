#!/usr/bin/env node
// Turns a seed description ({"api_keys": {"<key>": record}, "records": {"<kv key>": value}}) into
// the file `wrangler kv bulk put` takes: API keys are stored under apikey:<sha256hex of the key>.
//   node scripts/seed.mjs demo/seed.json > build/seed.bulk.json
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export function bulkEntries(seed) {
  const out = [];
  for (const [key, record] of Object.entries(seed.api_keys ?? {}))
    out.push({ key: `apikey:${createHash("sha256").update(key).digest("hex")}`, value: JSON.stringify(record) });
  for (const [key, value] of Object.entries(seed.records ?? {}))
    out.push({ key, value: typeof value === "string" ? value : JSON.stringify(value) });
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = JSON.parse(readFileSync(process.argv[2], "utf8"));
  process.stdout.write(JSON.stringify(bulkEntries(seed), null, 1) + "\n");
}
