// The browser preview's JS API: what POST /v1/account-memberships/ would answer, decided by the
// edge's own C++ core (compiled by Emscripten into membership-preview.{mjs,wasm}, which sit beside
// this file) for every check that needs no storage and no signature. Nothing here talks to the
// network except loadSettings(), which reads the edge's GET /preview/config.json when asked to.
//
//   import { createPreview } from "./preview.mjs";
//   const p = await createPreview({ settingsUrl: "https://api.example.com/preview/config.json" });
//   const r = p.preview({ url: "/v1/account-memberships/?account_id=acct_1",
//                         headers: { "Content-Type": "application/json", Authorization: "Bearer sk_test_…" },
//                         body: JSON.stringify({ email: "ann.example.com" }) });
//   r.status        // 422 (null when the request would be accepted, pending authentication and storage)
//   r.fieldErrors   // [{ field: "email", reason: "invalid_format", message: "Must be a valid email address." }]
//
// See docs/preview.md.
import createMembershipPreview from "./membership-preview.mjs";

// What the edge uses when MAX_BODY_BYTES and ALLOWED_PERMISSIONS are unset (docs/configuration.md).
export const DEFAULT_SETTINGS = Object.freeze({
  max_body_bytes: 16384,
  allowed_permissions: null,
  permission_pattern: "^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$",
});

const STATUS_TEXT = {
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  500: "Internal Server Error",
};
export const statusText = (status) => STATUS_TEXT[status] ?? "";

// The request-level answers the preview gives even without a credential (docs/preview.md).
const JUDGED_WITHOUT_CREDENTIAL = new Set([400, 413, 415, 422]);

// Fetch normalizes these methods' case and no others; mirror it so "post" is judged as sent.
const NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/**
 * Reads the edge's settings from its GET /preview/config.json. Any failure (no such route on a
 * plain file server, offline, not JSON) gives the defaults, with the reason.
 * @returns {Promise<{settings: object, source: "edge"|"defaults", reason?: string}>}
 */
export async function loadSettings(url, { fetch: fetchFn = globalThis.fetch } = {}) {
  if (!url) return { settings: { ...DEFAULT_SETTINGS }, source: "defaults", reason: "no settings URL given" };
  try {
    const res = await fetchFn(url, { method: "GET", credentials: "omit", cache: "no-store" });
    if (!res.ok)
      return { settings: { ...DEFAULT_SETTINGS }, source: "defaults", reason: `${url} answered ${res.status}` };
    const settings = await res.json();
    if (settings === null || typeof settings !== "object" || Array.isArray(settings))
      return { settings: { ...DEFAULT_SETTINGS }, source: "defaults", reason: `${url} is not a JSON object` };
    return { settings: { ...DEFAULT_SETTINGS, ...settings }, source: "edge" };
  } catch (e) {
    return { settings: { ...DEFAULT_SETTINGS }, source: "defaults", reason: `${url}: ${e.message}` };
  }
}

/**
 * Instantiates the module and configures it.
 * @param {object} [options]
 * @param {object} [options.settings]     the config.json document to judge with (skips loading)
 * @param {string|URL} [options.settingsUrl]  where to load it from (e.g. "/preview/config.json")
 * @param {object} [options.moduleOptions]    passed to the Emscripten factory (e.g. locateFile)
 * @returns {Promise<Preview>}
 */
export async function createPreview({ settings, settingsUrl, moduleOptions } = {}) {
  const loaded = settings ? { settings, source: "given" } : await loadSettings(settingsUrl);
  const module = await createMembershipPreview(moduleOptions ?? {});
  const previewer = new module.Previewer(JSON.stringify(loaded.settings));
  const error = previewer.error();
  if (error && loaded.source === "given") {
    previewer.delete();
    throw new TypeError(`membership preview: settings refused: ${error}`);
  }
  return new Preview(
    previewer,
    loaded.source,
    error ? `settings refused (${error}); using the defaults` : loaded.reason,
  );
}

export class Preview {
  #previewer;

  constructor(previewer, source, note) {
    this.#previewer = previewer;
    /** the settings in force, as /preview/config.json: {max_body_bytes, allowed_permissions, permission_pattern} */
    this.settings = JSON.parse(previewer.settings());
    /** "edge" (config.json), "given" (passed in) or "defaults" */
    this.settingsSource = source;
    /** why the defaults are in force, when they are */
    this.settingsNote = note ?? null;
  }

  /**
   * What the edge would answer for everything that needs no storage.
   * @param {{method?: string, url: string, headers?: object|Headers|Array<[string,string]>,
   *          body?: string|Uint8Array|ArrayBuffer|object|null}} request
   */
  preview({ method = "POST", url, headers = {}, body = "" } = {}) {
    const bytes = toBytes(body);
    // Hosts read at most MAX_BODY_BYTES + 1 bytes and mark the rest as cut (wasm/, host-shims/).
    const limit = this.#previewer.maxBodyBytes() + 1;
    const meta = {
      method: NORMALIZED_METHODS.has(String(method).toUpperCase()) ? String(method).toUpperCase() : String(method),
      target: toTarget(url),
      headers: toPairs(headers),
      body_truncated: bytes.length > limit,
    };
    const raw = JSON.parse(
      this.#previewer.run(JSON.stringify(meta), bytes.length > limit ? bytes.subarray(0, limit) : bytes, Date.now()),
    );
    return shape(raw);
  }

  /** Frees the module's object (the page keeps one for its lifetime). */
  dispose() {
    this.#previewer.delete();
  }
}

// A problem-details field error ({pointer, reason, detail}) as the envelope names it: the pointer
// /permissions/2 is the field permissions[2]; /a~1b is a/b (RFC 6901).
function fromPointer({ pointer, reason, detail }) {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  const field = parts.length === 2 && /^\d+$/.test(parts[1]) ? `${parts[0]}[${parts[1]}]` : parts.join("/");
  return { field, reason, message: detail };
}

function shape(raw) {
  const envelope = raw.body ? JSON.parse(raw.body) : null;
  // The request's Accept asked for RFC 9457 problem details: the same error, another shape.
  const problem = raw.content_type === "application/problem+json";
  const notes = [];
  // The edge checks the credential before the request (docs/api.md, "Order of checks"): it would answer 401 first.
  if (!raw.credential.present && (raw.accepted || JUDGED_WITHOUT_CREDENTIAL.has(raw.status)))
    notes.push({
      code: "credential_required",
      message: "No Bearer credential: the edge would answer 401 before judging this request.",
    });
  if (raw.credential.kind === "secret_key")
    notes.push({ code: "secret_key_in_browser", message: "Secret keys must never be used in a browser." });
  if (raw.jwt)
    notes.push({
      code: "jwt_not_verified",
      message: "Token claims are decoded, NOT verified: the edge checks the signature, issuer and audience.",
    });
  return {
    status: raw.status, // null: would be accepted, pending authentication and storage
    accepted: raw.accepted,
    statusText: raw.accepted ? "" : statusText(raw.status),
    body: envelope, // the error body the edge would send, parsed
    bodyText: raw.body, // ... and its exact text ("" when accepted)
    contentType: raw.content_type, // application/json (the envelope) or application/problem+json
    code: problem ? envelope?.code : envelope?.error?.code,
    message: problem ? envelope?.title : envelope?.message,
    fieldErrors: problem ? (envelope?.errors ?? []).map(fromPointer) : (envelope?.error?.details?.errors ?? []),
    normalized: raw.normalized, // what the edge would store or forward, when accepted
    credential: raw.credential, // {present, kind: "jwt"|"secret_key"|"publishable_key"|null, mode}
    jwt: raw.jwt && { verified: false, claims: raw.jwt.claims, timeCheck: raw.jwt.time_check },
    notes,
  };
}

const encoder = new TextEncoder();

function toBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === "object") return encoder.encode(JSON.stringify(body)); // as a dashboard would send it
  throw new TypeError("body must be a string, bytes, a plain object or null");
}

// "https://api.example.com/v1/…?account_id=…" or "/v1/…" -> "/v1/…?account_id=…" (the core's target).
function toTarget(url) {
  if (typeof url !== "string" && !(url instanceof URL)) throw new TypeError("url is required");
  const u = new URL(url, "http://preview.invalid");
  return u.pathname + u.search;
}

function toPairs(headers) {
  if (headers instanceof Headers) return [...headers.entries()];
  if (Array.isArray(headers)) return headers.map(([name, value]) => [String(name), String(value)]);
  return Object.entries(headers ?? {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([n, v]) => [n, String(v)]);
}
