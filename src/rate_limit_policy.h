// The data of rate limiting: a credential's own policy ({"limit":N,"period":S}) and its reader,
// the per-isolate token buckets, and the RateLimit-Policy / RateLimit fields of an answer
// (draft-ietf-httpapi-ratelimit-headers). The step that applies them is rate_limit.h.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http.h"
#include "json_reader.h"

namespace mb {

// {"limit":N,"period":S}: N requests per S seconds.
struct RateLimitOverride {
  std::int64_t limit = 0, period = 0;
};
inline constexpr std::int64_t kMaxRateLimit = 1000000, kMaxRatePeriod = 86400;

// Reads a {"limit":N,"period":S} object that sits `depth` segments below a visitor's root: the
// caller hands it every value at that depth or below. null means no override.
class RateLimitObject {
 public:
  void value(const json::Path& p, std::size_t depth, const json::Value& v);
  // After the text: false when the object was of the wrong shape (limit 1-1000000, period 1-86400).
  bool finish(std::optional<RateLimitOverride>& out) const;

 private:
  bool seen_ = false, is_null_ = false, bad_ = false;
  std::optional<std::int64_t> limit_, period_;
};

class RateBuckets {
 public:
  struct Take {
    bool allowed;
    std::int64_t remaining;  // whole tokens left after this request
    std::int64_t reset_s;    // allowed: seconds until the bucket is full again; refused: until one token is
  };
  // Takes one token from the bucket `key` of `limit` tokens refilled over `period_s`.
  Take take(const std::string& key, std::int64_t limit, std::int64_t period_s, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens;
    std::int64_t updated_ms;
  };
  std::unordered_map<std::string, Bucket> buckets_;
};

// One policy's item of the RateLimit-Policy and RateLimit fields.
struct RateLimitField {
  std::string name;  // "default" (the credential) or "account"
  std::int64_t limit = 0, window_s = 0;
  std::optional<std::int64_t> remaining, reset_s;  // unknown when the limiter failed open
  bool refused = false;
};
void add_rate_limit_headers(const std::vector<RateLimitField>& fields, Headers& out);

}  // namespace mb
