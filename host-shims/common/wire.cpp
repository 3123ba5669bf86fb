#include "wire.h"

namespace mb {

namespace {

const std::string* str(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return (it != obj.end() && it->is_string()) ? it->get_ptr<const std::string*>() : nullptr;
}

bool headers_from_json(const Json& j, Headers& out) {
  if (j.is_null()) return true;
  if (j.is_object()) {  // {"name": "value"} is accepted too (a JS object of headers)
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it.value().is_string()) return false;
      out.emplace_back(it.key(), *it.value().get_ptr<const std::string*>());
    }
    return true;
  }
  if (!j.is_array()) return false;
  for (const Json& pair : j) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) return false;
    out.emplace_back(*pair[0].get_ptr<const std::string*>(), *pair[1].get_ptr<const std::string*>());
  }
  return true;
}

}  // namespace

bool request_from_json(const Json& j, Request& out) {
  if (!j.is_object()) return false;
  const std::string* method = str(j, "method");
  const std::string* target = str(j, "target");
  if (!method || !target) return false;
  out.method = *method;
  out.target = *target;
  auto h = j.find("headers");
  if (h != j.end() && !headers_from_json(*h, out.headers)) return false;
  if (const std::string* body = str(j, "body")) out.body = *body;
  auto t = j.find("body_truncated");
  out.body_truncated = t != j.end() && t->is_boolean() && t->get_ref<const bool&>();
  return true;
}

Json effect_to_json(const Effect& e) {
  Json j = Json::object();
  j["id"] = e.id;
  j["op"] = std::string(kind_name(e.kind));
  switch (e.kind) {
    case EffectKind::kv_get:
    case EffectKind::kv_release:
      j["store"] = e.store;
      j["key"] = e.key;
      if (!e.scope.empty()) j["scope"] = e.scope;
      break;
    case EffectKind::kv_put:
    case EffectKind::kv_put_if_absent:
    case EffectKind::kv_claim:
      j["store"] = e.store;
      j["key"] = e.key;
      j["value"] = e.value;
      j["ttl"] = e.ttl_seconds;
      if (!e.scope.empty()) j["scope"] = e.scope;
      break;
    case EffectKind::fetch: {
      j["method"] = e.method;
      j["url"] = e.url;
      Json headers = Json::array();
      for (const auto& [name, value] : e.headers) {
        bool secret = iequals(name, "authorization");
        std::string shown = value;
        if (secret) shown = value.substr(0, value.find(' ')) + " [redacted]";
        headers.push_back(Json::array({name, shown}));
      }
      j["headers"] = std::move(headers);
      j["body"] = e.body;
      j["timeout_ms"] = e.timeout_ms;
      break;
    }
    case EffectKind::rate_limit:
      j["key"] = e.key;
      break;
    case EffectKind::verify_signature:
      j["alg"] = e.alg;
      j["jwk"] = e.jwk;
      break;
    case EffectKind::sign:  // never the private JWK
      j["alg"] = e.alg;
      j["signed_data"] = e.signed_data;
      break;
  }
  return j;
}

std::string effect_line(const Effect& e) {
  std::string line(kind_name(e.kind));
  switch (e.kind) {
    case EffectKind::kv_get:
    case EffectKind::kv_put:
    case EffectKind::kv_put_if_absent:
    case EffectKind::kv_claim:
    case EffectKind::kv_release:
      return line + " " + e.store + " " + e.key;
    case EffectKind::fetch:
      return line + " " + e.method + " " + e.url;
    case EffectKind::rate_limit:
      return line + " " + e.key;
    case EffectKind::verify_signature:
    case EffectKind::sign:
      return line + " " + e.alg;
  }
  return line;
}

Outcome outcome_from_recording(const Json& j) {
  Outcome o;
  if (!j.is_object()) {
    o.failure = Failure::failed;
    o.detail = "recording is not a JSON object";
    return o;
  }
  if (const std::string* err = str(j, "error")) {
    o.failure = *err == "timeout" ? Failure::timeout : *err == "refused" ? Failure::refused : Failure::failed;
    o.detail = "recorded " + *err;
    return o;
  }
  auto status = j.find("status");
  o.status = status != j.end() && status->is_number_integer() ? static_cast<int>(status->get<std::int64_t>()) : 200;
  if (auto body = j.find("body"); body != j.end()) o.body = body->is_string() ? body->get<std::string>() : dump(*body);
  return o;
}

Json log_to_json(const LogRecord& log) {
  Json j = Json::object();
  j["level"] = "info";
  j["request_id"] = log.request_id;
  j["status"] = log.status;
  if (log.code) j["code"] = log.code;
  j["credential_id"] = log.credential_id.empty() ? Json(nullptr) : Json(log.credential_id);
  j["mode"] = log.mode.empty() ? Json(nullptr) : Json(log.mode);
  j["route"] = log.route;
  if (log.replayed) j["replayed"] = true;
  if (!log.trace_id.empty()) j["trace_id"] = log.trace_id;
  return j;
}

}  // namespace mb
