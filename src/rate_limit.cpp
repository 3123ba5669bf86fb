#include "rate_limit.h"

#include <algorithm>
#include <cmath>

#include "authorization.h"
#include "context.h"

namespace mb {

namespace {

RateLimitField from_bucket(std::string name, std::int64_t limit, std::int64_t period_s, const RateBuckets::Take& t) {
  return {std::move(name), limit, period_s, t.remaining, t.reset_s, !t.allowed};
}

// The binding's verdict. It says only allowed or not: what remains is estimated from this isolate's
// own count of the credential's requests (a lower bound of what the binding counted).
Result<RateLimitField> binding_field(Context& ctx) {
  const Config& cfg = ctx.cfg;
  RateLimitField f{"default", cfg.rate_limiter_limit, cfg.rate_limiter_period, std::nullopt, std::nullopt, false};
  const Outcome* o = ctx.outcome(ctx.rate_limit.check);
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
  if (binding && ctx.rate_limit.binding == RateLimitProgress::Binding::unasked) {
    Effect& e = ctx.ask(EffectKind::rate_limit);
    e.key = g.credential_id;
    ctx.rate_limit = {RateLimitProgress::Binding::asked, e.id};
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
