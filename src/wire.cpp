#include "wire.h"

namespace mb {

namespace {
const std::string* str(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return (it != obj.end() && it->is_string()) ? it->get_ptr<const std::string*>() : nullptr;
}

bool headers_from_json(const Json& j, Headers& out) {
  if (j.is_null()) return true;
  if (j.is_object()) {  // {"name": "value"} is accepted too (fetch answers from JS)
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it.value().is_string()) return false;
      out.emplace_back(it.key(), *it.value().get_ptr<const std::string*>());
    }
    return true;
  }
  if (!j.is_array() || j.size() > 256) return false;
  for (const Json& pair : j) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) return false;
    out.emplace_back(*pair[0].get_ptr<const std::string*>(), *pair[1].get_ptr<const std::string*>());
  }
  return true;
}

Json headers_to_json(const Headers& h) {
  Json arr = Json::array();
  for (const auto& [k, v] : h) arr.push_back(Json::array({k, v}));
  return arr;
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

Json request_to_json(const Request& r) {
  Json j = Json::object();
  j["method"] = r.method;
  j["target"] = r.target;
  j["headers"] = headers_to_json(r.headers);
  j["body"] = r.body;
  j["body_truncated"] = r.body_truncated;
  return j;
}

Json effect_to_json(const Effect& e) {
  Json j = Json::object();
  j["id"] = e.id;
  j["op"] = kind_name(e.kind);
  switch (e.kind) {
    case Effect::Kind::kv_get:
      j["store"] = e.store;
      j["key"] = e.key;
      break;
    case Effect::Kind::kv_put:
      j["store"] = e.store;
      j["key"] = e.key;
      j["value"] = e.value;
      j["ttl"] = e.ttl_seconds;
      break;
    case Effect::Kind::fetch:
      j["method"] = e.method;
      j["url"] = e.url;
      j["headers"] = headers_to_json(e.headers);
      j["body"] = e.body;
      j["timeout_ms"] = e.timeout_ms;
      break;
    case Effect::Kind::rate_limit:
      j["key"] = e.key;
      break;
  }
  return j;
}

bool effect_from_json(const Json& j, Effect& out) {
  if (!j.is_object()) return false;
  const std::string* op = str(j, "op");
  auto id = j.find("id");
  if (!op || id == j.end() || !id->is_number_unsigned()) return false;
  out.id = static_cast<std::uint32_t>(id->get_ref<const Json::number_unsigned_t&>());
  if (*op == "kv_get")
    out.kind = Effect::Kind::kv_get;
  else if (*op == "kv_put")
    out.kind = Effect::Kind::kv_put;
  else if (*op == "fetch")
    out.kind = Effect::Kind::fetch;
  else if (*op == "rate_limit")
    out.kind = Effect::Kind::rate_limit;
  else
    return false;
  for (auto [name, slot] : {std::pair{"store", &out.store}, std::pair{"key", &out.key}, std::pair{"value", &out.value},
                            std::pair{"method", &out.method}, std::pair{"url", &out.url}, std::pair{"body", &out.body}})
    if (const std::string* v = str(j, name)) *slot = *v;
  auto ttl = j.find("ttl");
  if (ttl != j.end() && ttl->is_number_unsigned())
    out.ttl_seconds = static_cast<std::uint32_t>(ttl->get_ref<const Json::number_unsigned_t&>());
  auto tm = j.find("timeout_ms");
  if (tm != j.end() && tm->is_number_unsigned())
    out.timeout_ms = static_cast<std::uint32_t>(tm->get_ref<const Json::number_unsigned_t&>());
  auto h = j.find("headers");
  return h == j.end() || headers_from_json(*h, out.headers);
}

Json log_to_json(const LogRecord& log) {
  Json j = Json::object();
  j["request_id"] = log.request_id;
  j["status"] = log.status;
  if (log.code) j["code"] = log.code;
  j["credential_id"] = log.credential_id.empty() ? Json(nullptr) : Json(log.credential_id);
  j["mode"] = log.mode.empty() ? Json(nullptr) : Json(log.mode);
  j["route"] = log.route;
  if (log.replayed) j["replayed"] = true;
  return j;
}

Json step_to_json(const Step& s, bool with_body) {
  Json j = Json::object();
  j["done"] = s.done;
  if (s.done) {
    j["status"] = s.response.status;
    j["headers"] = headers_to_json(s.response.headers);
    if (with_body) j["body"] = s.response.body;
    Json bg = Json::array();
    for (const Effect& e : s.background) bg.push_back(effect_to_json(e));
    j["background"] = std::move(bg);
    j["log"] = log_to_json(s.log);
  } else {
    Json effects = Json::array();
    for (const Effect& e : s.effects) effects.push_back(effect_to_json(e));
    j["effects"] = std::move(effects);
  }
  Json notices = Json::array();
  for (const std::string& n : s.notices) notices.push_back(n);
  j["notices"] = std::move(notices);
  return j;
}

static bool outcome_from_json(const Json& j, Outcome& o) {
  if (!j.is_object()) return false;
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_unsigned()) return false;
  o.id = static_cast<std::uint32_t>(id->get_ref<const Json::number_unsigned_t&>());
  auto ok = j.find("ok");
  o.ok = ok == j.end() || (ok->is_boolean() && ok->get_ref<const bool&>());
  if (const std::string* e = str(j, "error")) o.error = *e;
  auto v = j.find("value");
  if (v != j.end() && v->is_string()) o.value = *v->get_ptr<const std::string*>();
  auto st = j.find("status");
  if (st != j.end() && st->is_number_integer())
    o.status = static_cast<int>(st->get_ref<const Json::number_integer_t&>());
  if (const std::string* b = str(j, "body")) o.body = *b;
  auto h = j.find("headers");
  if (h != j.end() && !headers_from_json(*h, o.headers)) return false;
  auto allowed = j.find("allowed");
  if (allowed != j.end() && allowed->is_boolean()) o.allowed = allowed->get_ref<const bool&>();
  return true;
}

bool outcomes_from_json(std::string_view text, std::vector<Outcome>& out) {
  ParsedJson p = parse_strict(text, 8);
  if (p.fault != JsonFault::none || !p.value.is_array()) return false;
  for (const Json& j : p.value) {
    Outcome o;
    if (!outcome_from_json(j, o)) return false;
    out.push_back(std::move(o));
  }
  return true;
}

Json outcome_to_json(const Outcome& o) {
  Json j = Json::object();
  j["id"] = o.id;
  j["ok"] = o.ok;
  if (!o.ok) j["error"] = o.error;
  if (o.value) j["value"] = *o.value;
  if (o.status) {
    j["status"] = o.status;
    j["headers"] = headers_to_json(o.headers);
    j["body"] = o.body;
  }
  if (!o.allowed) j["allowed"] = false;
  return j;
}

Vars vars_from_json(const Json& j) {
  Vars vars;
  if (!j.is_object()) return vars;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.value().is_string()) vars[it.key()] = *it.value().get_ptr<const std::string*>();
  return vars;
}

}  // namespace mb
