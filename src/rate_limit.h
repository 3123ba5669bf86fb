// Step 5: the rate limit per credential id. The Workers rate-limiting binding when the host has one
// (the rate_limit effect: allowed or not, Retry-After is its period); otherwise a token bucket of
// RATE_LIMIT_PER_MINUTE per credential, per isolate (0 turns it off).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "result.h"

namespace mb {

class RateBuckets {
 public:
  // Takes one token for `credential_id`; when none is left, the seconds until one is (Retry-After).
  std::optional<std::int64_t> take(const std::string& credential_id, std::int64_t per_minute, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens;
    std::int64_t updated_ms;
  };
  std::unordered_map<std::string, Bucket> buckets_;
};

enum class Flow;
struct Context;
Result<Flow> run_rate_limit(Context& ctx);

}  // namespace mb
