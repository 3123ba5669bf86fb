#include "rate_limit.h"

#include <algorithm>
#include <cmath>

#include "authorization.h"
#include "context.h"

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

namespace {

RateLimitField from_bucket(std::string name, std::int64_t limit, std::int64_t period_s, const RateBuckets::Take& t) {
  return {std::move(name), limit, period_s, t.remaining, t.reset_s, !t.allowed};
}

// The binding's verdict. It says only allowed or not: what remains is estimated from this isolate's
// own count of the credential's requests (a lower bound of what the binding counted).
Result<RateLimitField> binding_field(Context& ctx) {
  const Config& cfg = ctx.cfg;
  RateLimitField f{"default", cfg.rate_limiter_limit, cfg.rate_limiter_period, std::nullopt, std::nullopt, false};
  const Outcome* o = ctx.outcome(ctx.rate_limit_effect);
  if (!o || !o->ok()) {
    std::string why(failure_name(o ? o->failure : Failure::missing));
    if (o && !o->detail.empty()) why += ": " + o->detail;
    bool closed = cfg.rate_limit_fail_closed;
    ctx.notices.push_back(
        "rate limiter failed (" + why + "); request " +
        (closed ? "refused, RATE_LIMIT_FAILURE_MODE=closed" : "allowed, RATE_LIMIT_FAILURE_MODE=open"));
    if (!closed) return f;
    Problem p = problem(Error::rate_limiter_unavailable);
    p.headers.emplace_back("Retry-After", std::to_string(cfg.rate_limiter_period));
    return p;
  }
  RateBuckets::Take seen =
      ctx.engine.buckets.take("binding\n" + ctx.grant->credential_id, f.limit, f.window_s, ctx.now_ms);
  f.refused = !o->allowed;
  f.remaining = o->allowed ? seen.remaining : 0;
  f.reset_s = o->allowed ? seen.reset_s : f.window_s;
  return f;
}

}  // namespace

Result<Flow> run_rate_limit(Context& ctx) {
  const Config& cfg = ctx.cfg;
  const Grant& g = *ctx.grant;
  bool binding = cfg.rate_limiter_period > 0 && !g.rate_limit;
  if (binding && ctx.rate_limit_effect == 0) {
    Effect& e = ctx.add_effect(EffectKind::rate_limit);
    e.key = g.credential_id;
    ctx.rate_limit_effect = e.id;
    return Flow::wait;
  }
  std::vector<RateLimitField>& fields = ctx.rate_fields;
  if (binding) {
    MB_ASSIGN_OR_RETURN(RateLimitField f, binding_field(ctx));
    fields.push_back(std::move(f));
  } else if (g.rate_limit || cfg.rate_limit_per_minute > 0) {
    RateLimitOverride p = g.rate_limit.value_or(RateLimitOverride{cfg.rate_limit_per_minute, 60});
    fields.push_back(from_bucket("default", p.limit, p.period,
                                 ctx.engine.buckets.take(g.credential_id, p.limit, p.period, ctx.now_ms)));
  }
  // The account's bucket: only for a credential granted the account, so no one drains another's.
  const std::string& account = ctx.request().account_id;
  bool refused = !fields.empty() && fields.front().refused;
  if (!refused && cfg.rate_limit_account_per_minute > 0 && authorize(g, account, false).ok()) {
    std::int64_t limit = cfg.rate_limit_account_per_minute;
    std::string key = "account\n" + std::string(mode_name(g.mode)) + ":" + account;
    fields.push_back(from_bucket("account", limit, 60, ctx.engine.buckets.take(key, limit, 60, ctx.now_ms)));
  }
  std::int64_t retry_after = 0;
  for (const RateLimitField& f : fields)
    if (f.refused) retry_after = std::max(retry_after, f.reset_s.value_or(f.window_s));
  if (retry_after == 0) return Flow::next;
  Problem p = problem(Error::rate_limited);
  p.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return p;
}

}  // namespace mb
