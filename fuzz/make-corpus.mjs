#!/usr/bin/env node
// Writes the seed corpora (checked in under fuzz/corpus/) from the shared scenario files and from
// real tokens and key sets. Re-run after adding scenarios: node fuzz/make-corpus.mjs
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { scenarioFiles } from "../tests/scenarios.mjs";
import { rawRequest } from "../tests/wasm/wasi_runner.mjs";
import { makeKeys, signJwt, claims } from "../tests/jwt.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const write = (dir, data) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, createHash("sha1").update(data).digest("hex").slice(0, 16)), data);
};

const exchange = join(here, "corpus", "exchange");
rmSync(exchange, { recursive: true, force: true });
let n = 0;
for (const doc of scenarioFiles())
  for (const c of doc.cases) {
    // The outcome script: engine selector, then bytes for each effect (see exchange_fuzz.cpp).
    for (const script of ["\x00\x01\x01\x02\x02\x03\x05", "\x01\x02\x03\x04\x05\x06", "\x03\x07"])
      write(exchange, Buffer.concat([rawRequest(c.request), Buffer.from("\n#outcomes\n" + script, "latin1")])), n++;
  }

const jwt = join(here, "corpus", "jwt");
rmSync(jwt, { recursive: true, force: true });
const keys = makeKeys();
write(jwt, signJwt({ alg: "RS256", kid: "rsa-1" }, claims(), keys.rsa.privateKey));
write(jwt, signJwt({ alg: "ES256", kid: "ec-1" }, claims(), keys.ec.privateKey));
write(jwt, signJwt({ alg: "HS256" }, claims({ iss: "https://auth.example.com/" }), "0123456789abcdef0123456789abcdef"));
write(jwt, signJwt({ alg: "none" }, claims(), null));
write(jwt, JSON.stringify(keys.jwks));
write(jwt, "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc");
write(jwt, "pk_live_abc");
console.log(`exchange: ${n} inputs; jwt: 7 inputs`);
