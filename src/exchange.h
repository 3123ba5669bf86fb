// The sans-IO core. A request goes in with the time and some randomness from the host; out comes
// a Step: either the response, or a batch of effects (KV, fetch, rate limit, signature check) for
// the host to perform, concurrently, before calling resume() with every outcome of the batch.
//
//   step = exchange.begin(request, input)
//   while (!step.done) step = exchange.resume(perform_all(step.effects), now)
//   send(step.response); perform_and_forget(step.background)
//
// The stages run in the order of checks of docs/api.md (kOrder in exchange.cpp), each in its own module.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "context.h"

namespace mb {

// The seven steps of the order of checks (docs/api.md), in order (step 7 in two parts).
enum class Stage : std::uint8_t {
  route,            // 1 header limits, path, method, preflight                 request_checks.h
  credential_form,  // 2 classification, JWT shape, publishable key refused       credential_form.h
  request,          // 3 415, 413, 400 (query, Idempotency-Key, JSON), 422         request_checks.h
  credential,       // 4 API-key record, or JWT signature and claims              verify_credential.h
  rate_limit,       // 5                                                          rate_limit.h
  authorization,    // 6 scope, account grant                                     authorization.h
  idempotency,      // 7 a stored answer replayed, or 409                         idempotency.h
  store,            // 7 the edge store or the origin                             edge_store.h
};
std::string_view stage_name(Stage s);

// More rounds than any request needs (a cold JWT with a remote key set takes 7): past this the
// exchange answers 500 rather than loop. Every host's driver loop uses the same bound.
inline constexpr int kMaxRounds = 12;

struct Step {
  bool done = false;
  Response response;               // when done
  std::vector<Effect> effects;     // when !done: the batch to perform, then resume()
  std::vector<Effect> background;  // when done: fire-and-forget writes, outcomes unused
  LogRecord log;
  std::vector<std::string> notices;  // log lines for the host (warnings, configuration errors)
};

// The id every answer carries (docs/api.md): X-Request-Id, else CF-Ray, when sane; else "req_" and
// 24 base62 characters drawn from `random` (from `used` on). begin() uses it, and so do the hosts
// for the answers they make themselves (an unreadable request, a core past its round bound).
std::string request_id_for(const Headers& headers, std::string& random, std::size_t& used);

struct HostInput {
  std::int64_t now_ms = 0;
  std::string random;  // at least 64 unpredictable bytes: ids are drawn from them
};

class Exchange {
 public:
  explicit Exchange(Engine& engine) : ctx_(engine, ledger_) {}
  Step begin(Request req, HostInput input);
  Step resume(const std::vector<Outcome>& outcomes, std::int64_t now_ms);
  Stage stage() const { return static_cast<Stage>(stage_); }
  // The request's id, from begin() on: the one its answer and log line carry.
  const std::string& request_id() const { return ctx_.request_id; }

 private:
  Step run();
  Step wait_step();
  Step answer_step();
  Step problem_step(Problem p);

  EffectLedger ledger_;  // declared before ctx_, which holds a reference to it
  Context ctx_;
  std::size_t stage_ = 0;
  int rounds_ = 0;
  bool done_ = false;
};

}  // namespace mb
