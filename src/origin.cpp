#include "origin.h"

#include "context.h"
#include "crypto.h"

namespace mb {

std::string edge_signature(std::string_view secret, std::int64_t t, std::string_view method,
                           std::string_view path_with_query, std::string_view credential_id, std::string_view mode,
                           std::string_view request_id, std::string_view body) {
  std::string ts = std::to_string(t);
  std::string signed_text;
  signed_text.reserve(ts.size() + method.size() + path_with_query.size() + credential_id.size() + mode.size() +
                      request_id.size() + body.size() + 6);
  for (std::string_view line : {std::string_view(ts), method, path_with_query, credential_id, mode, request_id}) {
    signed_text.append(line);
    signed_text.push_back('\n');
  }
  signed_text.append(body);
  Sha256 mac = hmac_sha256(secret, signed_text);
  return "t=" + ts + ",v1=" + to_hex(mac.data(), mac.size());
}

Result<Flow> forward(Context& ctx) {
  ctx.log.route = "origin";
  const Grant& g = *ctx.grant;
  // account_id passed step 3 ([A-Za-z0-9_-]{1,128}): nothing to escape.
  std::string path = std::string(kEndpointPath) + "?account_id=" + ctx.request().account_id;
  std::string credential_id = kv::encode_part(g.credential_id);
  std::string mode(mode_name(g.mode));
  Effect& e = ctx.add_effect(EffectKind::fetch);
  e.method = "POST";
  e.url = ctx.cfg.origin_url + path;
  e.body = ctx.request().body_json();
  auto auth = header(ctx.req.headers, "authorization");
  e.headers.emplace_back("Authorization", std::string(auth.value_or("")));
  e.headers.emplace_back("Content-Type", "application/json");
  e.headers.emplace_back("X-Request-Id", ctx.request_id);
  e.headers.emplace_back("X-Edge-Credential-Id", credential_id);
  e.headers.emplace_back("X-Edge-Mode", mode);
  if (!ctx.checked.idempotency_key.empty()) e.headers.emplace_back("Idempotency-Key", ctx.checked.idempotency_key);
  if (!ctx.cfg.origin_shared_secret.empty())
    e.headers.emplace_back("X-Edge-Signature", edge_signature(ctx.cfg.origin_shared_secret, ctx.now_ms / 1000, e.method,
                                                              path, credential_id, mode, ctx.request_id, e.body));
  e.timeout_ms = ctx.cfg.origin_timeout_ms;
  ctx.forward_effect = e.id;
  return Flow::wait;
}

Result<Flow> after_forward(Context& ctx) {
  const Outcome* o = ctx.outcome(ctx.forward_effect);
  if (!o || !o->ok()) {
    Failure f = o ? o->failure : Failure::missing;
    return problem(f == Failure::timeout ? Error::origin_timeout : Error::origin_unreachable,
                   "origin fetch failed: " + std::string(failure_name(f)) +
                       (o && !o->detail.empty() ? " (" + o->detail + ")" : ""));
  }
  auto answer = o->status >= 200 && o->status <= 599 ? read_origin_answer(o->body) : std::nullopt;
  if (!answer)
    return problem(Error::origin_bad_response,
                   "origin answered " + std::to_string(o->status) + " with a body that is not a JSON object");
  int status = o->status;
  const NormalizedRequest& r = ctx.request();
  if (status >= 200 && status < 300 && ctx.cfg.routing == Routing::auto_) {
    // Written through, so that a replay is answered at the edge.
    const auto& m = answer->membership;
    if (m && m->account_id == r.account_id && (m->user_id || r.email)) {
      kv::Member member =
          m->user_id ? kv::Member{kv::Member::By::user_id, *m->user_id} : kv::Member{kv::Member::By::email, *r.email};
      Mode mode = ctx.grant->mode;
      // With a write authority, created there only if absent (it keeps the first record).
      ctx.put_background(mode, kv::membership(mode, r.account_id, member), write_membership(*m), 0,
                         kv::authority(mode, r.account_id));
    } else {
      ctx.notices.push_back("origin 2xx answer has no usable data object; not written through");
    }
  }
  Headers extra;
  if (auto ra = header(o->headers, "retry-after")) extra.emplace_back("Retry-After", std::string(*ra));
  ctx.log.code = answer->error_code;
  return ctx.respond(status, o->body, std::move(extra), AnswerSource::origin);
}

}  // namespace mb
