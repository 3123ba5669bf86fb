#include "drive.h"

#include "envelope.h"

namespace mb {

bool is_kv_call(EffectKind kind) {
  switch (kind) {
    case EffectKind::kv_get:
    case EffectKind::kv_put:
    case EffectKind::kv_put_if_absent:
    case EffectKind::kv_claim:
    case EffectKind::kv_release:
      return true;
    case EffectKind::fetch:
    case EffectKind::rate_limit:
    case EffectKind::verify_signature:
    case EffectKind::sign:
      return false;
  }
  return false;
}

namespace {

int kv_calls(const std::vector<Effect>& effects) {
  int n = 0;
  for (const Effect& e : effects) n += is_kv_call(e.kind);
  return n;
}

// The host's own answer when the core broke its round bound.
Step past_max_rounds(const std::string& request_id) {
  Step step;
  step.done = true;
  step.response = {
      500, {{"Content-Type", "application/json"}, {"X-Request-Id", request_id}}, error_envelope(Error::internal_error)};
  step.log.request_id = request_id;
  step.log.status = 500;
  step.log.code = info(Error::internal_error).code;
  return step;
}

}  // namespace

Step drive(Exchange& exchange, Request req, HostInput input, const PerformBatch& perform,
           const std::function<std::int64_t()>& now_ms, DriveStats* stats, const ObserveStep& observe) {
  DriveStats local;
  DriveStats& s = stats ? *stats : local;
  std::vector<std::string> notices;
  Step step = exchange.begin(std::move(req), std::move(input));
  if (observe) observe(step);
  while (!step.done) {
    for (auto& n : step.notices) notices.push_back(std::move(n));
    if (++s.rounds > kMaxRounds + 1) {
      notices.push_back("the core did not finish in " + std::to_string(kMaxRounds) + " rounds");
      step = past_max_rounds(exchange.request_id());
      break;
    }
    s.kv_calls += kv_calls(step.effects);
    step = exchange.resume(perform(step.effects), now_ms());
    if (observe) observe(step);
  }
  s.kv_calls += kv_calls(step.background);
  for (auto& n : step.notices) notices.push_back(std::move(n));
  step.notices = std::move(notices);
  return step;
}

}  // namespace mb
