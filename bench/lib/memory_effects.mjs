// The core's storage and rate-limit effects answered from a Map (keys as the core names them), as
// the benchmarks' in-memory hosts do: bench/core_bench.mjs and the control-worker trace (bench/lib/trace_reads.mjs).
// verify_signature and fetch are the caller's.
export function performInMemory(kv, e) {
  switch (e.op) {
    case "kv_get":
      return { id: e.id, value: kv.get(e.key) ?? null };
    case "kv_put":
      kv.set(e.key, e.value);
      return { id: e.id };
    case "kv_release":
      kv.delete(e.key);
      return { id: e.id };
    case "kv_put_if_absent":
    case "kv_claim": {
      const there = kv.get(e.key);
      if (there != null) return { id: e.id, created: false, value: there };
      kv.set(e.key, e.value);
      return { id: e.id, created: true };
    }
    case "rate_limit":
      return { id: e.id, allowed: true };
    default:
      return { id: e.id, failure: 3, detail: `not performed here: ${e.op}` };
  }
}
