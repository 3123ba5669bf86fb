// The driver loop of every C++ host (the WASI command, the native tests, the native benchmark and
// the fuzzers); the JS hosts run the same loop, with the same bound and the same counts, in
// host-shims/workers/core.mjs (drive):
//
//   step = begin(request, now, random); while (!step.done) step = resume(perform(step.effects), now)
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "exchange.h"

namespace mb {

struct DriveStats {
  int rounds = 0;    // batches performed (sequential waits)
  int kv_calls = 0;  // KV gets, puts and puts-if-absent, background writes included
};

// What a host's log line counts as a KV call: every kind that goes to the store.
bool is_kv_call(EffectKind kind);

using PerformBatch = std::function<std::vector<Outcome>(const std::vector<Effect>&)>;
using ObserveStep = std::function<void(const Step&)>;

// Runs one request to its final step; the caller performs step.background. A core that has not
// finished after kMaxRounds + 1 batches is a bug: the answer is then a 500 envelope with the
// request's own id (Exchange::request_id), and stats->rounds says how far it went. `observe`, when
// given, sees every step the core returns, as it returns it (the benchmark encodes each one).
Step drive(Exchange& exchange, Request req, HostInput input, const PerformBatch& perform,
           const std::function<std::int64_t()>& now_ms, DriveStats* stats = nullptr,
           const ObserveStep& observe = nullptr);

}  // namespace mb
