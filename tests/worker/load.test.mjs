// A CI-sized load run (scripts/load runs 20 000): nothing unexpected, no 5xx, every 201 stored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadRun } from "../load/load.mjs";

test("2 000 mixed requests at concurrency 64: expected statuses only, every 201 has its record", async (t) => {
  const r = await loadRun({ total: 2000, concurrency: 64 });
  t.diagnostic(
    JSON.stringify({
      rps: Math.round(r.rps),
      statuses: r.statuses,
      p50_ms: r.p50_ms.toFixed(1),
      p99_ms: r.p99_ms.toFixed(1),
    }),
  );
  assert.equal(r.unexpected, 0, JSON.stringify(r.unexpectedSample));
  assert.equal(r.fiveXX, 0);
  assert.equal(r.created, 800);
  assert.equal(r.records, r.created);
});
