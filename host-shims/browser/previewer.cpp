#include "previewer.h"

#include <cmath>

#include "envelope.h"
#include "json_dom.h"
#include "preview.h"
#include "wire.h"

namespace mb::browser {

namespace {

// The browser does not know the edge's JWT configuration. Placeholders switch JWT on with every
// algorithm allowed, so a token is classified and its shape checked as a configured edge would;
// nothing is ever verified against them.
void add_jwt_placeholders(mb::Vars& vars) {
  vars["JWT_ISSUER"] = "preview";
  vars["JWT_AUDIENCE"] = "preview";
  vars["JWT_HS256_SECRET"] = "preview-placeholder-never-a-real-secret";  // 32+ bytes, as config requires
  vars["JWT_JWKS_URL"] = "https://preview.invalid/jwks";                 // RS256 and ES256
}

// config.json -> the worker's [vars] it was made from; "" or the reason it was refused.
std::string vars_from_settings(std::string_view text, mb::Vars& vars) {
  std::optional<mb::Json> doc = mb::parse_json(text, 4);
  if (!doc || !doc->is_object()) return "settings are not a JSON object";
  const mb::Json& s = *doc;
  if (auto it = s.find("max_body_bytes"); it != s.end()) {
    if (!it->is_number_unsigned()) return "max_body_bytes must be a whole number";
    vars["MAX_BODY_BYTES"] = std::to_string(it->get_ref<const mb::Json::number_unsigned_t&>());
  }
  if (auto it = s.find("allowed_permissions"); it != s.end() && !it->is_null()) {
    if (!it->is_array()) return "allowed_permissions must be null or an array of strings";
    std::string list;  // ALLOWED_PERMISSIONS is a comma list, as in wrangler.toml
    for (const mb::Json& p : *it) {
      if (!p.is_string()) return "allowed_permissions must be null or an array of strings";
      const std::string& name = *p.get_ptr<const std::string*>();
      if (name.find(',') != std::string::npos) return "allowed_permissions entries cannot contain a comma";
      if (!list.empty()) list += ',';
      list += name;
    }
    vars["ALLOWED_PERMISSIONS"] = list;
  }
  return "";
}

mb::Json error_json(mb::Error e) {
  const mb::ErrorInfo& i = mb::info(e);
  mb::Json j = mb::Json::object();
  j["code"] = i.code;
  j["name"] = std::string(i.name);
  j["message"] = std::string(i.message);
  return j;
}

}  // namespace

Previewer::Previewer(const std::string& settings_json) {
  mb::Vars vars;
  error_ = vars_from_settings(settings_json, vars);
  if (!error_.empty()) vars.clear();  // refused settings: judge with the defaults, say so
  vars["ROUTING"] = "edge";           // no ORIGIN_URL needed; routing plays no part here
  add_jwt_placeholders(vars);
  config_ = mb::parse_config(vars);
  if (error_.empty()) error_ = config_.error;
}

std::string Previewer::settings() const { return mb::config_document(config_); }

std::string Previewer::run(const std::string& meta_json, const std::string& body, double now_ms) const {
  std::optional<mb::Json> meta = mb::parse_json(meta_json, 4);
  mb::Request req;
  mb::Json out = mb::Json::object();
  if (!meta || !mb::request_from_json(*meta, req)) {
    // The JS adapter's bug, not the user's request: answer as the hosts do for an unreadable one.
    out["status"] = mb::info(mb::Error::malformed_request).status;
    out["accepted"] = false;
    out["body"] = mb::error_envelope(mb::Error::malformed_request);
    return mb::dump(out);
  }
  req.body = body;
  mb::Preview p = mb::preview(req, config_, static_cast<std::int64_t>(std::floor(now_ms)));

  out["status"] = p.accepted ? mb::Json(nullptr) : mb::Json(p.status);
  out["accepted"] = p.accepted;
  out["body"] = p.body;
  out["content_type"] = p.accepted ? mb::Json(nullptr) : mb::Json(p.content_type);
  mb::Json cred = mb::Json::object();
  cred["present"] = p.credential_present;
  cred["kind"] = p.credential_present ? mb::Json(p.credential_kind) : mb::Json(nullptr);
  cred["mode"] = p.credential_present ? mb::Json(p.credential_mode) : mb::Json(nullptr);
  out["credential"] = std::move(cred);
  out["normalized"] = p.accepted ? mb::parse_json(p.normalized).value_or(mb::Json(nullptr)) : mb::Json(nullptr);
  std::optional<mb::Json> claims = p.jwt_payload.empty() ? std::nullopt : mb::parse_json(p.jwt_payload, 8);
  if (p.credential_kind == "jwt" && claims && claims->is_object()) {
    mb::Json jwt = mb::Json::object();
    jwt["verified"] = false;
    jwt["claims"] = std::move(*claims);
    jwt["time_check"] = p.jwt_time_error ? error_json(*p.jwt_time_error) : mb::Json(nullptr);
    out["jwt"] = std::move(jwt);
  } else {
    out["jwt"] = nullptr;
  }
  return mb::dump(out);
}

}  // namespace mb::browser
