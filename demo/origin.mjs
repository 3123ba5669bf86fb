#!/usr/bin/env node
// A small stand-in for the payments API origin (the source of truth for live data), on loopback.
// scripts/dev runs it so live-mode forwarding works locally; the worker tests start it with a
// fault mode to see what the edge does when the origin misbehaves.
//   node demo/origin.mjs [port]
import { createServer } from "node:http";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const newId = () => "am_" + [...randomBytes(24)].map((b) => ALPHABET[b % 62]).join("");

// The origin's own directory of workspace members (what live KV may not have).
const USERS = {
  wsm_1: { id: "usr_1", email: "ann@example.com", name: "Ann" },
  wsm_2: { id: "usr_2", email: "bob@example.com", name: "Bob" },
  wsm_live_9: { id: "usr_9", email: "nine@example.com", name: "Nine" },
};

// Verifies X-Edge-Signature as an origin should (docs/api.md, "Verifying forwards"): the HMAC over
// t, method, path-with-query, X-Edge-Credential-Id, X-Edge-Mode, X-Request-Id and the body, one
// per line, compared in constant time, t within 5 minutes of now. Returns why not, or "".
export function verifyEdgeSignature(secret, { method, url, headers, body }, nowSeconds = Math.floor(Date.now() / 1000)) {
  const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers["x-edge-signature"] ?? "");
  if (!sig) return "no X-Edge-Signature";
  if (Math.abs(nowSeconds - Number(sig[1])) > 300) return "signature older than 5 minutes";
  const signed = [sig[1], method, url, headers["x-edge-credential-id"] ?? "", headers["x-edge-mode"] ?? "",
                  headers["x-request-id"] ?? "", body].join("\n");
  const want = createHmac("sha256", secret).update(signed).digest();
  return timingSafeEqual(want, Buffer.from(sig[2], "hex")) ? "" : "signature does not match";
}

function envelope(status, code, message, details = {}) {
  return [status, { message, success: false, error: { code, message, details } }];
}

// mode: normal | slow | error500 | html | reset | garbage-status
export function startOrigin({ port = 0, mode = "normal", secret = "", delayMs = 0 } = {}) {
  const memberships = new Map();
  const received = [];
  const state = { mode, delayMs };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (state.delayMs || state.mode === "slow") await new Promise((r) => setTimeout(r, state.delayMs || 10000));
      if (state.mode === "reset") { res.socket.destroy(); return; }
      if (state.mode === "html") { res.writeHead(200, { "Content-Type": "text/html" }); res.end("<html><body>Bad gateway</body></html>"); return; }
      if (state.mode === "error500") return send(res, ...envelope(500, 50001, "Origin failure."));
      if (state.mode === "partial") {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
        res.write('{"message":"success","succ');
        setTimeout(() => res.socket.destroy(), 50);
        return;
      }
      if (secret) {
        const why = verifyEdgeSignature(secret, { method: req.method, url: req.url, headers: req.headers, body });
        if (why) return send(res, ...envelope(401, 40199, "Bad edge signature.", { reason: why }));
      }
      let input;
      try { input = JSON.parse(body); } catch { return send(res, ...envelope(400, 40001, "Request body is not valid JSON.")); }
      const url = new URL(req.url, "http://origin");
      const account = url.searchParams.get("account_id");
      if (account === "acct_missing") return send(res, ...envelope(404, 40402, "The account does not exist."));
      const user = input.workspace_membership_id ? USERS[input.workspace_membership_id] : null;
      if (input.workspace_membership_id && !user) return send(res, ...envelope(404, 40403, "The workspace membership does not exist."));
      const key = `${account}:${user ? user.id : `email:${input.email}`}`;
      const existing = memberships.get(key);
      const perms = input.permissions ?? [];
      if (existing) {
        const same = [...existing.permissions].sort().join() === [...perms].sort().join();
        if (!same) return send(res, ...envelope(409, 40901, "The membership exists with different permissions.", { existing_permissions: existing.permissions }));
        return send(res, 200, { message: "success", success: true, data: existing });
      }
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const data = {
        object: "account_membership", id: newId(), account_id: account,
        user_id: user ? user.id : null, workspace_membership_id: input.workspace_membership_id ?? null,
        permissions: perms, created_at: now, updated_at: now,
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
        setMode(m, delay = 0) { state.mode = m; state.delayMs = delay; },
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

function send(res, status, obj) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(obj));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const origin = await startOrigin({ port: Number(process.argv[2] ?? 8788), secret: process.env.ORIGIN_SHARED_SECRET ?? "" });
  console.log(`demo origin on ${origin.url}`);
}
