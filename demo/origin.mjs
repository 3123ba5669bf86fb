#!/usr/bin/env node
// A small stand-in for the payments API origin (the source of truth for live data), on loopback.
// scripts/dev runs it so live-mode forwarding works locally; the worker tests start it with a
// fault mode to see what the edge does when the origin misbehaves.
//   node demo/origin.mjs [port]
import { createServer } from "node:http";
import { createHash, createPublicKey, randomBytes } from "node:crypto";
import { httpbis, createVerifier } from "http-message-signatures";
import { parseDictionary } from "structured-headers";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const newId = () => "am_" + [...randomBytes(24)].map((b) => ALPHABET[b % 62]).join("");

// The origin's own directory of workspace members (what live KV may not have).
const USERS = {
  wsm_1: { id: "usr_1", email: "ann@example.com", name: "Ann" },
  wsm_2: { id: "usr_2", email: "bob@example.com", name: "Bob" },
  wsm_live_9: { id: "usr_9", email: "nine@example.com", name: "Nine" },
};

// What every forward's signature must cover (docs/api.md, "Verifying forwards"), plus
// idempotency-key and traceparent when the forward carries them.
export const COVERED = [
  "@method",
  "@path",
  "@query",
  "content-digest",
  "content-type",
  "x-request-id",
  "x-edge-credential-id",
  "x-edge-mode",
  "x-edge-identity",
];
const PARAMS = ["created", "expires", "nonce", "keyid", "alg", "tag"];

// Verifies forwards as an origin should, with the npm library http-message-signatures (RFC 9421)
// and structured-headers (RFC 9651) — no code of the edge's: the "edge" signature with a public key
// from the edge's directory (directoryUrl, fetched on first use and again for an unknown keyid),
// the "edge-hmac" one with the shared secret; a 5-minute window; a nonce seen before is refused;
// Content-Digest must be the body's SHA-256. verify(request) answers why not, or "".
// directoryUrl may be a function (the edge's address may be known only later).
export function forwardVerifier({ directoryUrl = "", secret = "", secretId = "edge-hmac", maxAgeSeconds = 300 } = {}) {
  const nonces = new Set();
  let keys = new Map();
  async function publicKey(kid) {
    if (!keys.has(kid)) {
      const res = await fetch(typeof directoryUrl === "function" ? directoryUrl() : directoryUrl);
      if (res.status !== 200) return null;
      const jwks = await res.json();
      keys = new Map(jwks.keys.map((k) => [k.kid, createPublicKey({ key: k, format: "jwk" })]));
    }
    return keys.get(kid) ?? null;
  }
  async function check(request, label, required) {
    let nonce = null;
    const ok = await httpbis.verifyMessage(
      {
        maxAge: maxAgeSeconds,
        tolerance: 5,
        requiredParams: PARAMS,
        requiredFields: required,
        async keyLookup(params) {
          if (params.tag !== "membership-edge") return null;
          let key = null;
          if (label === "edge" && params.alg === "ecdsa-p256-sha256") {
            const pub = await publicKey(params.keyid);
            if (pub)
              key = { id: params.keyid, algs: ["ecdsa-p256-sha256"], verify: createVerifier(pub, "ecdsa-p256-sha256") };
          }
          if (label === "edge-hmac" && params.alg === "hmac-sha256" && params.keyid === secretId)
            key = { id: secretId, algs: ["hmac-sha256"], verify: createVerifier(secret, "hmac-sha256") };
          if (key) nonce = params.nonce;
          return key;
        },
      },
      request,
    );
    if (ok !== true) return `${label} signature does not verify`;
    if (nonces.has(nonce)) return `${label} signature nonce reused`;
    return { nonce };
  }
  return async function verify({ method, url, headers, body }) {
    const request = { method, url, headers };
    const digest = headers["content-digest"] ? parseDictionary(headers["content-digest"]).get("sha-256") : null;
    const want = createHash("sha256").update(body).digest();
    if (!digest || !(digest[0] instanceof ArrayBuffer) || !want.equals(Buffer.from(digest[0])))
      return "Content-Digest does not match the body";
    const required = [...COVERED];
    if (headers["idempotency-key"] !== undefined) required.push("idempotency-key");
    if (headers.traceparent !== undefined) required.push("traceparent");
    const seen = [];
    for (const label of [directoryUrl && "edge", secret && "edge-hmac"].filter(Boolean)) {
      let result;
      try {
        result = await check(request, label, required);
      } catch (err) {
        result = `${label} signature refused: ${err.message}`;
      }
      if (typeof result === "string") return result;
      seen.push(result.nonce);
    }
    for (const n of seen) nonces.add(n);
    return "";
  };
}

function envelope(status, code, message, details = {}) {
  return [status, { message, success: false, error: { code, message, details } }];
}

// mode: normal | slow | error500 | html | reset | garbage-status. With directoryUrl and/or secret,
// every forward is verified (forwardVerifier) and refused with 401 when it does not verify.
export function startOrigin({ port = 0, mode = "normal", secret = "", directoryUrl = "", delayMs = 0 } = {}) {
  const memberships = new Map();
  const verify = directoryUrl || secret ? forwardVerifier({ directoryUrl, secret }) : null;
  const received = [];
  const state = { mode, delayMs };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method, url: req.url, headers: req.headers, body, verified: null });
      if (state.delayMs || state.mode === "slow") await new Promise((r) => setTimeout(r, state.delayMs || 10000));
      if (state.mode === "reset") {
        res.socket.destroy();
        return;
      }
      if (state.mode === "html") {
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end("<html><body>Bad gateway</body></html>");
        return;
      }
      if (state.mode === "error500") return send(res, ...envelope(500, 50001, "Origin failure."));
      if (state.mode === "partial") {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
        res.write('{"message":"success","succ');
        setTimeout(() => res.socket.destroy(), 50);
        return;
      }
      if (verify) {
        const why = await verify({
          method: req.method,
          url: `http://${req.headers.host}${req.url}`,
          headers: req.headers,
          body,
        });
        received.at(-1).verified = !why;
        if (why) return send(res, ...envelope(401, 40199, "Bad edge signature.", { reason: why }));
      }
      let input;
      try {
        input = JSON.parse(body);
      } catch {
        return send(res, ...envelope(400, 40001, "Request body is not valid JSON."));
      }
      const url = new URL(req.url, "http://origin");
      const account = url.searchParams.get("account_id");
      if (account === "acct_missing") return send(res, ...envelope(404, 40402, "The account does not exist."));
      const user = input.workspace_membership_id ? USERS[input.workspace_membership_id] : null;
      if (input.workspace_membership_id && !user)
        return send(res, ...envelope(404, 40403, "The workspace membership does not exist."));
      const key = `${account}:${user ? user.id : `email:${input.email}`}`;
      const existing = memberships.get(key);
      const perms = input.permissions ?? [];
      if (existing) {
        const same = [...existing.permissions].sort().join() === [...perms].sort().join();
        if (!same)
          return send(
            res,
            ...envelope(409, 40901, "The membership exists with different permissions.", {
              existing_permissions: existing.permissions,
            }),
          );
        return send(res, 200, { message: "success", success: true, data: existing });
      }
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const data = {
        object: "account_membership",
        id: newId(),
        account_id: account,
        user_id: user ? user.id : null,
        workspace_membership_id: input.workspace_membership_id ?? null,
        permissions: perms,
        created_at: now,
        updated_at: now,
        user: user ?? { id: null, email: input.email, name: null },
      };
      memberships.set(key, data);
      send(res, 201, { message: "success", success: true, data });
    });
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        received,
        memberships,
        setMode(m, delay = 0) {
          state.mode = m;
          state.delayMs = delay;
        },
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

function send(res, status, obj) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(obj));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // EDGE_URL: the worker whose directory holds the public key (scripts/dev: http://127.0.0.1:8787).
  const edge = process.env.EDGE_URL ?? "";
  const origin = await startOrigin({
    port: Number(process.argv[2] ?? 8788),
    secret: process.env.ORIGIN_SHARED_SECRET ?? "",
    directoryUrl: edge ? `${edge}/.well-known/http-message-signatures-directory` : "",
  });
  console.log(`demo origin on ${origin.url}`);
}
