#include "drive.h"

#include "envelope.h"

namespace mb {

namespace {
int kv_calls(const std::vector<Effect>& effects) {
  int n = 0;
  for (const Effect& e : effects) n += e.kind == EffectKind::kv_get || e.kind == EffectKind::kv_put;
  return n;
}
}  // namespace

Step drive(Exchange& exchange, Request req, HostInput input, const PerformBatch& perform,
           const std::function<std::int64_t()>& now_ms, DriveStats* stats) {
  DriveStats local;
  DriveStats& s = stats ? *stats : local;
  std::vector<std::string> notices;
  Step step = exchange.begin(std::move(req), std::move(input));
  while (!step.done) {
    for (auto& n : step.notices) notices.push_back(std::move(n));
    if (++s.rounds > kMaxRounds + 1) {
      notices.push_back("the core did not finish in " + std::to_string(kMaxRounds) + " rounds");
      step = Step{};
      step.done = true;
      step.response = {500, {{"Content-Type", "application/json"}}, error_envelope(Error::internal_error)};
      step.log.status = 500;
      step.log.code = info(Error::internal_error).code;
      break;
    }
    s.kv_calls += kv_calls(step.effects);
    step = exchange.resume(perform(step.effects), now_ms());
  }
  s.kv_calls += kv_calls(step.background);
  for (auto& n : step.notices) notices.push_back(std::move(n));
  step.notices = std::move(notices);
  return step;
}

}  // namespace mb
