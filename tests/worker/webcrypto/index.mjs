// POST a JSON array of {id, alg, jwk, data (hex), signature (hex)}: each is performed as the
// worker performs a verify_signature effect, answered [{id, valid} | {id, failure, detail}].
import { verifySignature } from "../../../host-shims/workers/worker.mjs";
import { Failure } from "../../../host-shims/workers/core.mjs";

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

export default {
  async fetch(request) {
    if (request.method !== "POST") return new Response("ready"); // the harness polls until it answers
    const cases = await request.json();
    const out = [];
    for (const c of cases) {
      try {
        out.push(
          await verifySignature({ id: c.id, alg: c.alg, jwk: c.jwk, data: hex(c.data), signature: hex(c.signature) }),
        );
      } catch (err) {
        // a key WebCrypto refuses: the worker answers failed and the core uses BearSSL
        out.push({ id: c.id, failure: Failure.failed, detail: String(err?.message ?? err) });
      }
    }
    return Response.json(out);
  },
};
