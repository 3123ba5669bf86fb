#!/usr/bin/env node
// Turns a seed description ({"api_keys": {"<key>": record}, "records": {"<readable key>": value}})
// into the file `wrangler kv bulk put` takes: API keys are stored under apikey:<sha256hex of the
// key>, records under their readable key built through the KV layout (scripts/kv_layout.mjs).
//   node scripts/seed.mjs demo/seed.json > build/seed.bulk.json
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { kvKey, layoutKey } from "./kv_layout.mjs";

export function bulkEntries(seed) {
  const out = [];
  for (const [key, record] of Object.entries(seed.api_keys ?? {}))
    out.push({ key: kvKey.apiKey(createHash("sha256").update(key).digest("hex")), value: JSON.stringify(record) });
  for (const [key, value] of Object.entries(seed.records ?? {}))
    out.push({ key: layoutKey(key), value: typeof value === "string" ? value : JSON.stringify(value) });
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = JSON.parse(readFileSync(process.argv[2], "utf8"));
  process.stdout.write(JSON.stringify(bulkEntries(seed), null, 1) + "\n");
}
