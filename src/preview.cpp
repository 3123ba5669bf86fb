#include "preview.h"

#include "body.h"
#include "credential_form.h"
#include "envelope.h"
#include "json_writer.h"
#include "jwt_checks.h"
#include "problem_details.h"
#include "request_checks.h"

namespace mb {

std::string config_document(const Config& cfg) {
  json::Writer w;
  w.begin_object();
  w.key("max_body_bytes").integer(static_cast<std::int64_t>(cfg.max_body_bytes));
  w.key("allowed_permissions");
  if (cfg.permissions_restricted)
    w.strings(cfg.allowed_permissions);
  else
    w.null();
  w.key("permission_pattern").string(kPermissionPattern);
  w.end_object();
  return w.take();
}

Preview preview(const Request& req, const Config& cfg, std::int64_t now_ms) {
  Preview out;
  // Problem details when the request's Accept asks for them, as the edge answers; the preview has
  // no request id, so their `instance` is "preview".
  bool problem_json = prefers_problem_details(req.headers);
  auto refuse = [&](const Problem& p) {
    out.status = info(p.error).status;
    out.body = error_body(p, problem_json, "preview");
    out.content_type = problem_json ? kProblemContentType : "application/json";
    return out;
  };
  if (Status s = check_header_limits(req.headers); !s.ok()) return refuse(s.problem());
  Result<Route> r = route(req);
  if (!r.ok()) return refuse(r.problem());
  if (r.value() != Route::endpoint) {
    out.status = r.value() == Route::preflight ? 204 : 200;
    return out;
  }
  Result<std::string_view> token = read_bearer(req.headers);
  if (token.ok()) {
    Result<Credential> cred = classify(token.value());
    if (!cred.ok()) return refuse(cred.problem());
    const Credential& c = cred.value();
    out.credential_present = true;
    out.credential_kind = std::string(kind_name(c.kind));
    out.credential_mode = std::string(mode_name(c.mode));
    if (c.kind == CredentialKind::jwt && !c.jwt.payload_text.empty()) {
      out.jwt_payload = c.jwt.payload_text;
      Result<JwtClaims> times = read_times(c.jwt.payload);
      Status valid = times.ok() ? check_times(times.value(), now_ms / 1000, cfg.jwt_leeway_seconds) : Status();
      if (!times.ok())
        out.jwt_time_error = times.problem().error;
      else if (!valid.ok())
        out.jwt_time_error = valid.problem().error;
    }
    if (Status s = check_form(c, cfg); !s.ok()) return refuse(s.problem());
  } else if (token.problem().error != Error::missing_credential) {
    return refuse(token.problem());
  }
  Result<CheckedRequest> checked = check_request(req, cfg);
  if (!checked.ok()) return refuse(checked.problem());
  out.accepted = true;
  out.normalized = checked.value().request.body_json();
  return out;
}

}  // namespace mb
