#include "exchange.h"

#include <algorithm>

#include "authorization.h"
#include "cors.h"
#include "credential_form.h"
#include "crypto.h"
#include "edge_store.h"
#include "envelope.h"
#include "idempotency.h"
#include "problem_details.h"
#include "rate_limit.h"
#include "request_checks.h"
#include "trace_context.h"
#include "verify_credential.h"

namespace mb {

namespace {

struct StageEntry {
  Stage stage;
  std::string_view name;
  StageResult (*run)(Context&);
};

// The order of checks (docs/api.md), in order. Each stage answers, asks for effects (and runs again with their
// outcomes), or passes to the next; a request refused at steps 1-3 costs no KV call and no signature check.
constexpr StageEntry kOrder[] = {
    {Stage::route, "route", run_route},                                // 1
    {Stage::credential_form, "credential_form", run_credential_form},  // 2
    {Stage::request, "request", run_request_checks},                   // 3
    {Stage::credential, "credential", run_verify_credential},          // 4
    {Stage::rate_limit, "rate_limit", run_rate_limit},                 // 5
    {Stage::authorization, "authorization", run_authorization},        // 6
    {Stage::idempotency, "idempotency", run_idempotency},              // 7
    {Stage::store, "store", run_store},                                // 7
};
constexpr std::size_t kStages = sizeof(kOrder) / sizeof(kOrder[0]);

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
  });
}

}  // namespace

std::string request_id_for(const Headers& headers, std::string& random, std::size_t& used) {
  // X-Request-Id, else CF-Ray, when sane; not even looked for among too many headers.
  std::optional<std::string_view> rid;
  if (check_header_limits(headers).ok()) {
    rid = header(headers, "x-request-id");
    if (!rid || !sane_request_id(trim(*rid))) rid = header(headers, "cf-ray");
  }
  return rid && sane_request_id(trim(*rid)) ? std::string(trim(*rid)) : "req_" + random_base62(random, used, 24);
}

std::string_view stage_name(Stage s) { return kOrder[static_cast<std::size_t>(s)].name; }

Step Exchange::begin(Request req, HostInput input) {
  ctx_.req = std::move(req);
  ctx_.now_ms = input.now_ms;
  ctx_.random_ = std::move(input.random);
  ctx_.request_id = request_id_for(ctx_.req.headers, ctx_.random_, ctx_.random_used_);
  // A valid traceparent goes on to the origin and into the log; an invalid one is dropped (not even
  // looked for among too many headers).
  if (check_header_limits(ctx_.req.headers).ok()) ctx_.trace = read_trace_context(ctx_.req.headers);
  if (ctx_.trace) ctx_.log.trace_id = ctx_.trace->trace_id;
  if (!ctx_.engine.config_notices_logged) {
    ctx_.engine.config_notices_logged = true;
    ctx_.notices = ctx_.cfg.notices;
  }
  return run();
}

Step Exchange::resume(const std::vector<Outcome>& outcomes, std::int64_t now_ms) {
  if (done_) return problem_step(problem(Error::internal_error, "resume() called on a finished exchange"));
  if (++rounds_ > kMaxRounds) return problem_step(problem(Error::internal_error, "exchange exceeded kMaxRounds"));
  ctx_.now_ms = now_ms;
  ledger_.settle(outcomes);  // matched to the batch by id; an id the host did not answer failed
  return run();
}

Step Exchange::run() {
  for (; stage_ < kStages; ++stage_) {
    StageResult r = kOrder[stage_].run(ctx_);
    if (!r.ok()) return problem_step(std::move(r.problem()));
    if (r.value() == Flow::wait) return wait_step();
    if (r.value() == Flow::answer) return answer_step();
  }
  return problem_step(problem(Error::internal_error, "no stage answered"));
}

Step Exchange::wait_step() {
  // Storage reads later stages will need go out with this batch (used only after step 6).
  if (stage_ >= static_cast<std::size_t>(Stage::credential)) {
    prefetch_storage(ctx_);
    prefetch_idempotency(ctx_);
  }
  Step step;
  step.effects = ledger_.take_batch();  // the stage's effects, then the reads wanted
  if (step.effects.empty()) return problem_step(problem(Error::internal_error, "a stage waited on no effect"));
  step.notices = std::move(ctx_.notices);
  ctx_.notices.clear();
  return step;
}

Step Exchange::problem_step(Problem p) {
  const ErrorInfo& row = info(p.error);
  ctx_.log.code = row.code;
  if (!p.note.empty()) ctx_.notices.push_back(std::move(p.note));
  if (auto challenge = bearer_challenge(p.error, ctx_.cfg)) p.headers.emplace_back("WWW-Authenticate", *challenge);
  bool problem_json = prefers_problem_details(ctx_.req.headers);
  ctx_.respond(row.status, error_body(p, problem_json, ctx_.request_id), std::move(p.headers));
  if (problem_json) {
    ctx_.answer->content_type = kProblemContentType;
    ctx_.answer->envelope = error_body(p, false, ctx_.request_id);
  }
  return answer_step();
}

Step Exchange::answer_step() {
  Answer& a = *ctx_.answer;
  if (stage_ == static_cast<std::size_t>(Stage::store))
    settle_idempotency_key(ctx_, a.status, a.envelope.empty() ? a.body : a.envelope, a.source);
  Step step;
  step.done = true;
  done_ = true;
  Response& r = step.response;
  r.status = a.status;
  r.headers.reserve(a.headers.size() + 7);
  if (!header(a.headers, "content-type")) r.headers.emplace_back("Content-Type", std::string(a.content_type));
  r.headers.emplace_back("X-Request-Id", ctx_.request_id);
  if (!ctx_.preflight) add_cors_headers(ctx_.cfg, ctx_.req.headers, r.headers);
  for (auto& h : a.headers) r.headers.push_back(std::move(h));
  if (ctx_.grant) add_rate_limit_headers(ctx_.rate_fields, r.headers);  // after step 4 only
  // Every 401, the edge's own or an origin's passed through, names the scheme (RFC 9110 §11.6.1);
  // the edge's own say why (RFC 6750 §3, bearer_challenge).
  if (a.status == 401 && !header(r.headers, "www-authenticate"))
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"api\"");
  r.body = std::move(a.body);
  step.background = ledger_.take_background();
  LogRecord& log = ctx_.log;
  log.request_id = ctx_.request_id;
  log.status = a.status;
  if (ctx_.grant) {
    log.credential_id = ctx_.grant->credential_id;
    log.mode = std::string(mode_name(ctx_.grant->mode));
  }
  step.log = log;
  step.notices = std::move(ctx_.notices);
  return step;
}

std::string_view kind_name(EffectKind k) {
  switch (k) {
    case EffectKind::kv_get:
      return "kv_get";
    case EffectKind::kv_put:
      return "kv_put";
    case EffectKind::fetch:
      return "fetch";
    case EffectKind::rate_limit:
      return "rate_limit";
    case EffectKind::verify_signature:
      return "verify_signature";
    case EffectKind::kv_put_if_absent:
      return "kv_put_if_absent";
    case EffectKind::sign:
      return "sign";
    case EffectKind::kv_claim:
      return "kv_claim";
    case EffectKind::kv_release:
      return "kv_release";
  }
  return "unknown";
}

std::string_view failure_name(Failure f) {
  switch (f) {
    case Failure::none:
      return "none";
    case Failure::timeout:
      return "timeout";
    case Failure::refused:
      return "refused";
    case Failure::failed:
      return "failed";
    case Failure::missing:
      return "missing";
  }
  return "unknown";
}

}  // namespace mb
