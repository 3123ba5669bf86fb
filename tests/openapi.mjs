// Checks one answer of the product against docs/openapi.yaml: the status is documented for the
// request's method and path, the body matches the response's schema (ajv, JSON Schema 2020-12, as
// OpenAPI 3.1 says), and the response's headers are there and well-formed. The worker harness
// (tests/worker/harness.mjs send()) and the WASI runner (tests/wasm/wasi_runner.mjs runCli()) call
// it on every answer, so a test fails when the product and its document disagree.
//
// Where an answer is looked up: the operation of the path and method; for a method the path has no
// operation for, the path item's `x-other-methods`; for a path the document does not list,
// `x-other-paths` (404 with the error envelope); then, for any request, `x-any-request` (431, 500,
// and the WASI command's 400 for a request it could not read). `path: undefined` means the request
// line itself could not be read: only `x-any-request` applies. HEAD is checked as GET, without a body.
import { readFileSync, appendFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const documentPath = join(root, "docs", "openapi.yaml");

// Headers the product adds only where the document says so: present anywhere else is a mismatch.
// (Retry-After is not among them: the origin's is passed through on any status.)
const PRODUCT_HEADERS = ["idempotent-replayed", "www-authenticate", "allow", "ratelimit", "ratelimit-policy"];

export const stats = { validated: 0 };

let state = null; // the document and its compiled validators, built on first use

// Loads the document and prepares ajv: component schemas are added once as one schema whose $defs
// they are, so "#/components/schemas/X" refs become "openapi#/$defs/X".
export function load(path = documentPath) {
  const doc = parse(readFileSync(path, "utf8"));
  const toDefs = (node) => JSON.parse(JSON.stringify(node).replaceAll('"#/components/schemas/', '"openapi#/$defs/'));
  const extensions = [...new Set(JSON.stringify(doc.components.schemas).match(/"x-[\w-]+"(?=:)/g) ?? [])].map((k) =>
    JSON.parse(k),
  );
  const make = (options) => {
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strictTypes: false, ...options });
    addFormats(ajv);
    ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs", ...extensions]); // OpenAPI's own keywords
    ajv.addSchema({ $id: "openapi", $defs: toDefs(doc.components.schemas) });
    return ajv;
  };
  // Header values are strings on the wire; the second instance coerces them to the schema's type.
  return { doc, toDefs, ajv: make({}), headerAjv: make({ coerceTypes: true }), compiled: new Map() };
}

function current() {
  state ??= load();
  return state;
}

// Follows an OpenAPI "$ref": "#/..." (responses, headers) to its object.
function deref(doc, node) {
  while (node?.$ref?.startsWith("#/")) {
    node = node.$ref
      .slice(2)
      .split("/")
      .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
      .reduce((n, key) => n?.[key], doc);
  }
  return node;
}

// "/v1/account-memberships" is the same endpoint as the document's "/v1/account-memberships/".
export function documentedPath(doc, target) {
  const path = target.split(/[?#]/)[0];
  if (doc.paths[path]) return path;
  if (doc.paths[path + "/"]) return path + "/";
  return null;
}

export function isApiPath(target) {
  return documentedPath(current().doc, target) !== null;
}

// The response object for an answer, and where it was found (for messages).
function findResponse(doc, method, target, status) {
  const maps = [];
  if (target !== undefined) {
    const path = documentedPath(doc, target);
    const item = path && doc.paths[path];
    const m = method.toLowerCase();
    const op = item?.[m] ?? (m === "head" ? item?.get : undefined);
    if (op) maps.push([`${method} ${path}`, op.responses]);
    else if (item) maps.push([`${path} x-other-methods`, item["x-other-methods"] ?? {}]);
    else maps.push(["x-other-paths", doc["x-other-paths"] ?? {}]);
  }
  maps.push(["x-any-request", doc["x-any-request"] ?? {}]);
  for (const [where, responses] of maps)
    if (responses[status]) return { where, response: deref(doc, responses[status]) };
  return { where: maps.map(([w]) => w).join(", "), response: null };
}

// Validators of one response object, compiled once.
function compiledFor(s, response) {
  let c = s.compiled.get(response);
  if (c) return c;
  const content = response.content ?? {};
  c = {
    media: Object.fromEntries(
      Object.entries(content).map(([type, m]) => [type, m.schema ? s.ajv.compile(s.toDefs(m.schema)) : null]),
    ),
    headers: Object.entries(response.headers ?? {}).map(([name, h]) => {
      h = deref(s.doc, h);
      return {
        name: name.toLowerCase(),
        required: !!h.required,
        validate: s.headerAjv.compile({ type: "object", properties: { value: s.toDefs(h.schema ?? {}) } }),
      };
    }),
  };
  s.compiled.set(response, c);
  return c;
}

function headerReader(headers) {
  if (!headers) return { get: () => null, names: [] };
  if (typeof headers.get === "function" && typeof headers.entries === "function" && !(headers instanceof Map))
    return { get: (n) => headers.get(n), names: [...headers.keys()].map((k) => k.toLowerCase()) };
  const entries = headers instanceof Map ? [...headers] : Array.isArray(headers) ? headers : Object.entries(headers);
  const lower = new Map(entries.map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { get: (n) => lower.get(n.toLowerCase()) ?? null, names: [...lower.keys()] };
}

const describe = (errors) =>
  errors
    .map(
      (e) =>
        `${e.instancePath || "(body)"} ${e.message}${e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ""}`,
    )
    .join("; ");

// Returns the list of ways the answer disagrees with the document (empty: it agrees).
// body: the answer's text (or a Buffer); headers: a fetch Headers, a Map, an object or pairs.
export function validateAnswer(answer) {
  return check(answer).problems;
}

function check({ method = "POST", path, status, headers, body = "" }) {
  const s = current();
  const problems = [];
  const { where, response } = findResponse(s.doc, method, path, String(status));
  if (!response) return { where, problems: [`status ${status} is not documented for ${where}`] };
  const c = compiledFor(s, response);
  const h = headerReader(headers);

  for (const d of c.headers) {
    const value = h.get(d.name);
    if (value === null || value === undefined) {
      if (d.required) problems.push(`header ${d.name} is missing`);
      continue;
    }
    const holder = { value };
    if (!d.validate(holder))
      problems.push(`header ${d.name}: ${JSON.stringify(value)} ${describe(d.validate.errors).replace("/value ", "")}`);
  }
  for (const name of PRODUCT_HEADERS)
    if (h.names.includes(name) && !c.headers.some((d) => d.name === name))
      problems.push(`header ${name} is not documented for ${status}`);

  const text = Buffer.isBuffer(body) ? body.toString("utf8") : (body ?? "");
  const types = Object.keys(c.media);
  if (method.toUpperCase() === "HEAD" || !types.length) {
    if (text.length)
      problems.push(`a ${status} answer${types.length ? " to HEAD" : ""} has no body, but got ${text.length} bytes`);
  } else {
    const media = (h.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (!types.includes(media))
      problems.push(`Content-Type ${JSON.stringify(h.get("content-type"))} is not ${types.join(" or ")}`);
    const validate = c.media[media] ?? c.media[types[0]];
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      problems.push("the body is not JSON");
    }
    if (json !== undefined && validate && !validate(json)) problems.push(`body: ${describe(validate.errors)}`);
  }
  stats.validated++;
  return { where, problems };
}

// Throws when the answer disagrees with the document, saying how; the caller's test fails.
export function assertAnswer(answer) {
  const { where, problems } = check(answer);
  if (!problems.length) return;
  const text = Buffer.isBuffer(answer.body) ? answer.body.toString("utf8") : (answer.body ?? "");
  throw new Error(
    `answer disagrees with docs/openapi.yaml (${where} ${answer.status})\n` +
      `  request: ${answer.method} ${answer.path ?? "(unreadable request line)"}\n` +
      `  answer: ${answer.status} ${text.slice(0, 400)}\n  ${problems.join("\n  ")}`,
  );
}

// MB_OPENAPI_TALLY=<file>: each test process appends how many answers it validated, and says so.
if (process.env.MB_OPENAPI_TALLY) {
  process.on("exit", () => {
    if (!stats.validated) return;
    appendFileSync(process.env.MB_OPENAPI_TALLY, `${process.argv[1]} ${stats.validated}\n`);
    process.stderr.write(`# openapi: ${stats.validated} answers validated against docs/openapi.yaml\n`);
  });
}
