// The one driver loop of the C++ hosts (the WASI command, the native tests and benchmark); the
// worker glue (host-shims/workers/worker.mjs) runs the same loop in JS with the same bound:
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
  int kv_calls = 0;  // KV gets and puts, background writes included
};

using PerformBatch = std::function<std::vector<Outcome>(const std::vector<Effect>&)>;

// Runs one request to its final step; the caller performs step.background. A core that has not
// finished after kMaxRounds + 1 batches is a bug: the answer is then a 500 envelope.
Step drive(Exchange& exchange, Request req, HostInput input, const PerformBatch& perform,
           const std::function<std::int64_t()>& now_ms, DriveStats* stats = nullptr);

}  // namespace mb
