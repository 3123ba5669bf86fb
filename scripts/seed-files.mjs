#!/usr/bin/env node
// Seeds a KV directory for the WASI command from a seed description (demo/seed.json format).
//   node scripts/seed-files.mjs demo/seed.json ./kv
import { readFileSync } from "node:fs";
import { bulkEntries } from "./seed.mjs";
import { seedKvDir } from "../host-shims/wasi/kv_files.mjs";

const [seedPath, dir] = process.argv.slice(2);
if (!seedPath || !dir) {
  console.error("usage: node scripts/seed-files.mjs SEED.json KV_DIR");
  process.exit(2);
}
const entries = bulkEntries(JSON.parse(readFileSync(seedPath, "utf8")));
seedKvDir(dir, entries);
console.log(`${entries.length} keys written to ${dir}`);
