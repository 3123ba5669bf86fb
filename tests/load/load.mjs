// A bounded load run through the real worker: mixed valid and invalid requests from several
// credentials, at a fixed concurrency. Afterwards every 201 must have its membership record in KV.
// Used by tests/worker/load.test.mjs (CI size) and scripts/load (the 20 000-request run).
import { startWorker, readSeed, listKeys } from "../worker/harness.mjs";
import { validateAnswer } from "../openapi.mjs";

const KEYS = ["sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc", "sk_test_wildcard_0000000000000000"];
const TARGET = "/v1/account-memberships/?account_id=acct_1";

// The request for index i and the statuses it may get: creates of distinct emails (201), their
// replays (200), and invalid requests of every kind (4xx), from two credentials.
function requestFor(i) {
  const key = KEYS[i % KEYS.length];
  const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
  const create = (n) => JSON.stringify({ email: `load-${n}@example.com`, permissions: ["read"] });
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      return { headers: auth, body: create(i), expect: [201] };
    // A replay of a create made 1004 requests earlier (long answered at concurrency 64): 200.
    case 4:
      return i >= 1004
        ? { headers: auth, body: create(i - 1004), expect: [200] }
        : { headers: auth, body: "[]", expect: [400] };
    case 5:
      return { headers: auth, body: JSON.stringify({ workspace_membership_id: "wsm_other" }), expect: [422] };
    case 6:
      return { headers: auth, body: JSON.stringify({ email: "not-an-email" }), expect: [422] };
    case 7:
      return { headers: auth, body: '{"email":"a@example.com","email":"b@example.com"}', expect: [400] };
    case 8:
      return {
        headers: { ...auth, Authorization: "Bearer sk_test_unknown_load_0000" },
        body: create(i),
        expect: [401],
      };
    default:
      return { headers: { ...auth, "Content-Type": "text/plain" }, body: "{}", expect: [415] };
  }
}

export async function loadRun({ total = 2000, concurrency = 64, log = () => {} } = {}) {
  const worker = await startWorker({ seed: readSeed(), vars: { ROUTING: "edge", RATE_LIMIT_PER_MINUTE: "0" } });
  const statuses = new Map();
  const unexpected = [];
  const latencies = [];
  let created = 0,
    next = 0;
  const started = Date.now();
  try {
    async function lane() {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const r = requestFor(i);
        const t0 = performance.now();
        let status, res, text;
        try {
          res = await fetch(worker.url + TARGET, {
            method: "POST",
            headers: r.headers,
            body: r.body,
            signal: AbortSignal.timeout(30000),
          });
          text = await res.text();
          status = res.status;
        } catch (err) {
          status = `error: ${err.message}`;
        }
        latencies.push(performance.now() - t0);
        // Every answer must also agree with docs/openapi.yaml (tests/openapi.mjs); one that does not is unexpected.
        const problems =
          text === undefined
            ? []
            : validateAnswer({ method: "POST", path: TARGET, status, headers: res.headers, body: text });
        if (problems.length) unexpected.push({ i, status, disagrees_with_openapi: problems, body: text.slice(0, 200) });
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 201) created++;
        if (!r.expect.includes(status)) unexpected.push({ i, status, expected: r.expect });
      }
    }
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = (Date.now() - started) / 1000;
    const records = await listKeys(worker.persist, "account_membership:test:acct_1:");
    latencies.sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    const result = {
      total,
      concurrency,
      seconds,
      rps: total / seconds,
      statuses: Object.fromEntries(statuses),
      unexpected: unexpected.length,
      unexpectedSample: unexpected.slice(0, 5),
      created,
      records: records.length,
      p50_ms: pct(50),
      p99_ms: pct(99),
      fiveXX: [...statuses.entries()].filter(([s]) => typeof s !== "number" || s >= 500).reduce((n, [, c]) => n + c, 0),
    };
    log(result);
    return result;
  } finally {
    await worker.stop();
  }
}
