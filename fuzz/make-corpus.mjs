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
import { readFileSync } from "node:fs";
import { WasmCore, requestFrame, outcomesFrame } from "../host-shims/workers/core.mjs";

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
      (write(exchange, Buffer.concat([rawRequest(c.request), Buffer.from("\n#outcomes\n" + script, "latin1")])), n++);
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
// The worker ABI's frames: request and outcome frames as the JS glue writes them, and the step
// frames the module writes (needs dist/worker/membership.wasm: scripts/build).
const frames = join(here, "corpus", "frames");
rmSync(frames, { recursive: true, force: true });
const module = new WebAssembly.Module(readFileSync(join(here, "..", "dist", "worker", "membership.wasm")));
const core = new WasmCore(module, { ROUTING: "auto", ORIGIN_URL: "http://127.0.0.1:9" }, { now: () => 1795835220000 });
const stepBytes = (ex) => {
  const x = core.exports;
  return Buffer.from(new Uint8Array(x.memory.buffer, x.mb_step_ptr(ex.handle), x.mb_step_len(ex.handle)));
};
let f = 0;
for (const doc of scenarioFiles())
  for (const c of doc.cases.slice(0, 12)) {
    const meta = {
      method: c.request.method,
      target: c.request.target,
      headers: c.request.headers,
      body_truncated: false,
    };
    (write(frames, Buffer.from(requestFrame(meta))), f++);
    const ex = core.begin(meta, Buffer.from(c.request.body ?? ""));
    let step = ex.step();
    (write(frames, stepBytes(ex)), f++);
    for (let round = 0; !step.done && round < 4; round++) {
      const outcomes = step.effects.map((e, i) => ({
        id: e.id,
        ok: i % 3 !== 2,
        error: "timeout",
        value: i % 2 ? null : '{"id":"x"}',
        status: e.op === "fetch" ? 201 : 0,
        headers: [["content-type", "application/json"]],
        body: "{}",
      }));
      (write(frames, Buffer.from(outcomesFrame(outcomes))), f++);
      step = ex.resume(outcomes);
      (write(frames, stepBytes(ex)), f++);
    }
    ex.end();
  }
console.log(`exchange: ${n} inputs; jwt: 7 inputs; frames: ${f} inputs`);
