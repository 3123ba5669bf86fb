#include "rate_limit.h"

#include <algorithm>
#include <cmath>

#include "context.h"

namespace mb {

std::optional<std::int64_t> RateBuckets::take(const std::string& credential_id, std::int64_t per_minute,
                                              std::int64_t now_ms) {
  double capacity = static_cast<double>(per_minute);
  double per_ms = capacity / 60000.0;
  if (buckets_.size() >= kMaxCacheEntries) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(credential_id, Bucket{capacity, now_ms});
  Bucket& b = it->second;
  b.tokens =
      std::min(capacity, b.tokens + static_cast<double>(std::max<std::int64_t>(0, now_ms - b.updated_ms)) * per_ms);
  b.updated_ms = now_ms;
  if (b.tokens < 1.0)
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) / per_ms / 1000.0)));
  b.tokens -= 1.0;
  return std::nullopt;
}

namespace {
Problem too_many(std::int64_t retry_after_s) {
  Problem p = problem(Error::rate_limited);
  p.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return p;
}
}  // namespace

Result<Flow> run_rate_limit(Context& ctx) {
  const std::string& credential_id = ctx.grant->credential_id;
  if (ctx.cfg.rate_limiter_period > 0) {
    if (ctx.rate_limit_effect == 0) {
      Effect& e = ctx.add_effect(EffectKind::rate_limit);
      e.key = credential_id;
      ctx.rate_limit_effect = e.id;
      return Flow::wait;
    }
    const Outcome* o = ctx.outcome(ctx.rate_limit_effect);
    if (o && o->ok()) {
      if (!o->allowed) return too_many(ctx.cfg.rate_limiter_period);
    } else {
      ctx.notices.push_back("rate limiter failed (" + std::string(failure_name(o ? o->failure : Failure::missing)) +
                            "); request allowed");
    }
    return Flow::next;
  }
  if (ctx.cfg.rate_limit_per_minute > 0)
    if (auto wait_s = ctx.engine.buckets.take(credential_id, ctx.cfg.rate_limit_per_minute, ctx.now_ms))
      return too_many(*wait_s);
  return Flow::next;
}

}  // namespace mb
