#include "rate_limit_policy.h"

#include <algorithm>
#include <cmath>

#include "engine.h"

namespace mb {

void RateLimitObject::value(const json::Path& p, std::size_t depth, const json::Value& v) {
  if (p.size() == depth) {
    seen_ = true;
    is_null_ = v.type == json::Type::null;
    if (!is_null_ && v.type != json::Type::object) bad_ = true;
    return;
  }
  if (p.size() != depth + 1 || p[depth].in_array) return;
  const std::string& k = p[depth].key;
  if (k != "limit" && k != "period") return;
  std::int64_t max = k == "limit" ? kMaxRateLimit : kMaxRatePeriod;
  if (v.type != json::Type::number || !v.is_integer || v.integer < 1 || v.integer > max) {
    bad_ = true;
    return;
  }
  (k == "limit" ? limit_ : period_) = v.integer;
}

bool RateLimitObject::finish(std::optional<RateLimitOverride>& out) const {
  if (!seen_ || is_null_) return !bad_;
  if (bad_ || !limit_ || !period_) return false;
  out = RateLimitOverride{*limit_, *period_};
  return true;
}

RateBuckets::Take RateBuckets::take(const std::string& key, std::int64_t limit, std::int64_t period_s,
                                    std::int64_t now_ms) {
  double capacity = static_cast<double>(limit);
  double per_ms = capacity / (static_cast<double>(period_s) * 1000.0);
  if (buckets_.size() >= kMaxCacheEntries) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{capacity, now_ms});
  Bucket& b = it->second;
  b.tokens =
      std::min(capacity, b.tokens + static_cast<double>(std::max<std::int64_t>(0, now_ms - b.updated_ms)) * per_ms);
  b.updated_ms = now_ms;
  auto seconds_to = [&](double tokens) {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((tokens - b.tokens) / per_ms / 1000.0)));
  };
  if (b.tokens < 1.0) return {false, 0, seconds_to(1.0)};
  b.tokens -= 1.0;
  return {true, static_cast<std::int64_t>(std::floor(b.tokens)), seconds_to(capacity)};
}

void add_rate_limit_headers(const std::vector<RateLimitField>& fields, Headers& out) {
  if (fields.empty()) return;
  std::string policy, state;
  for (const RateLimitField& f : fields) {
    if (!policy.empty()) policy += ", ";
    policy += "\"" + f.name + "\";q=" + std::to_string(f.limit) + ";w=" + std::to_string(f.window_s);
    if (!f.remaining || !f.reset_s) continue;
    if (!state.empty()) state += ", ";
    state += "\"" + f.name + "\";r=" + std::to_string(*f.remaining) + ";t=" + std::to_string(*f.reset_s);
  }
  out.emplace_back("RateLimit-Policy", std::move(policy));
  if (!state.empty()) out.emplace_back("RateLimit", std::move(state));
}

}  // namespace mb
