// Starts the real worker under `wrangler dev` (workerd + local KV) on a free loopback port, with an
// isolated --persist-to folder seeded through `wrangler kv bulk put --local`.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bulkEntries } from "../../scripts/seed.mjs";
import { assertAnswer, isApiPath } from "../openapi.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const run = promisify(execFile);
// CLOUDFLARE_CF_FETCH_ENABLED=false: no fetch of Request.cf data from workers.cloudflare.com (offline
// it logged a getaddrinfo ENOTFOUND stack per start); Miniflare's placeholder is used.
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  CI: "true",
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export function readSeed(path = join(root, "tests", "scenarios", "seed.json")) {
  return JSON.parse(readFileSync(path, "utf8"));
}

// Seeds KV: `seed` is a seed description (api_keys/records) or a list of {key, value}.
export async function seedKv(persistDir, seed, binding = "KV", config = join(root, "wrangler.toml")) {
  const entries = Array.isArray(seed) ? seed : bulkEntries(seed);
  if (!entries.length) return;
  mkdirSync(persistDir, { recursive: true });
  const file = join(persistDir, `seed-${binding}.json`);
  writeFileSync(file, JSON.stringify(entries));
  await run(
    wrangler,
    ["kv", "bulk", "put", file, "--binding", binding, "--local", "--persist-to", persistDir, "--config", config],
    { cwd: root, env },
  );
}

// Every key under a prefix. `wrangler kv key list --local` answers at most 1000 names and takes no
// cursor, so a full page is split by the next character (those seen, and digits: the tests number
// their keys) until every page is short.
export async function listKeys(persistDir, prefix, binding = "KV") {
  const { stdout } = await run(
    wrangler,
    ["kv", "key", "list", "--binding", binding, "--local", "--persist-to", persistDir, "--prefix", prefix],
    { cwd: root, env, maxBuffer: 64 * 1024 * 1024 },
  );
  const names = JSON.parse(stdout.slice(stdout.indexOf("["))).map((k) => k.name);
  if (names.length < 1000) return names;
  const out = new Set(names.filter((n) => n === prefix));
  const next = new Set(names.map((n) => n[prefix.length]).filter(Boolean));
  for (const c of "0123456789@") next.add(c);
  for (const c of next) for (const n of await listKeys(persistDir, prefix + c, binding)) out.add(n);
  return [...out];
}

export async function getKey(persistDir, key, binding = "KV", config = join(root, "wrangler.toml")) {
  try {
    const { stdout } = await run(
      wrangler,
      [
        "kv",
        "key",
        "get",
        key,
        "--binding",
        binding,
        "--local",
        "--persist-to",
        persistDir,
        "--text",
        "--config",
        config,
      ],
      { cwd: root, env },
    );
    const text = stdout
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("Resource location") && !l.includes("--remote"))
      .join("\n")
      .trim();
    return text && text !== "Value not found" ? text : null;
  } catch {
    return null;
  }
}

// The shipped wrangler.toml changed by `edit` (text -> text), written under build/ so that its
// relative paths still hold; returns the new config's path.
export function configVariant(name, edit) {
  const base = readFileSync(join(root, "wrangler.toml"), "utf8")
    .replace('main = "host-shims/workers/worker.mjs"', 'main = "../host-shims/workers/worker.mjs"')
    .replace('directory = "./dist/site"', 'directory = "../dist/site"')
    .replace('watch_dir = ["src", "wasm", "host-shims/workers"]', 'watch_dir = ["../src"]');
  const config = join(root, "build", `wrangler.${name}.toml`);
  mkdirSync(join(root, "build"), { recursive: true });
  writeFileSync(config, edit(base));
  return config;
}

// Polls fn until it answers something truthy or ms pass; its last answer.
export async function eventually(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Starts wrangler dev. `vars` override wrangler.toml's [vars] (written to an --env-file).
export async function startWorker({
  vars = {},
  seed = null,
  config = join(root, "wrangler.toml"),
  timeoutMs = 60000,
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), "mb-worker-"));
  const persist = join(dir, "state");
  if (seed) await seedKv(persist, seed);
  const envFile = join(dir, "vars.env");
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => {
        if (String(v).includes("'")) throw new Error(`var ${k} has a single quote`);
        return `${k}='${v}'`;
      })
      .join("\n") + "\n",
  );
  const port = await freePort();
  const inspector = await freePort();
  const child = spawn(
    wrangler,
    [
      "dev",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--persist-to",
      persist,
      "--env-file",
      envFile,
      "--config",
      config,
      "--log-level",
      "log",
      "--show-interactive-dev-session=false",
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const logs = [];
  const collect = (d) => {
    for (const line of String(d).split("\n")) if (line.trim()) logs.push(line);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`wrangler dev exited:\n${logs.slice(-30).join("\n")}`);
    if (Date.now() > deadline) {
      stopProcess(child);
      throw new Error(`wrangler dev did not start:\n${logs.slice(-30).join("\n")}`);
    }
    try {
      const res = await fetch(`${url}/preview/config.json`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    url,
    port,
    persist,
    logs,
    // JSON log lines the worker printed (one per request, plus warnings).
    jsonLogs: () =>
      logs
        .filter((l) => l.startsWith("{"))
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return null;
          }
        })
        .filter(Boolean),
    async stop() {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Stops a detached child and its process group: SIGTERM, then SIGKILL after 5 s.
export function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      resolve();
    }
  });
}

// Sends one scenario-style request ({method, target, headers, body|json|body_base64}).
export async function send(url, r, extraHeaders = {}) {
  let body;
  if (r.json !== undefined) body = JSON.stringify(r.json);
  else if (r.body_base64 !== undefined) body = Buffer.from(r.body_base64, "base64");
  else if (r.body !== undefined) body = r.body;
  const method = r.method ?? "POST";
  const res = await fetch(url + r.target, {
    method,
    headers: { ...(r.headers ?? {}), ...extraHeaders },
    body: method === "GET" || method === "HEAD" ? undefined : body,
    signal: AbortSignal.timeout(20000),
  });
  const text = await res.text();
  // Every answer of the API must agree with docs/openapi.yaml (tests/openapi.mjs): a disagreement
  // fails the test that sent the request. Static assets (the preview page, the reference) are not
  // the API; any other path reaches the core, whose 404 envelope is checked too.
  const sent = new URL(res.url || url + r.target);
  const target = sent.pathname + sent.search;
  if (isApiPath(target) || res.headers.get("content-type")?.startsWith("application/json"))
    assertAnswer({ method, path: target, status: res.status, headers: res.headers, body: text });
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}
