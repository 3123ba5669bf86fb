#include "edge_identity.h"

#include <algorithm>

#include "http_signature.h"
#include "json_reader.h"

namespace mb {

namespace {

constexpr std::int64_t kMaxSfInteger = 999'999'999'999'999;  // RFC 9651 §3.3.1: at most 15 digits

std::string_view type_name(json::Type t) {
  switch (t) {
    case json::Type::null:
      return "null";
    case json::Type::boolean:
      return "a boolean";
    case json::Type::number:
      return "a number";
    case json::Type::string:
      return "a string";
    case json::Type::object:
      return "an object";
    case json::Type::array:
      return "an array";
  }
  return "unknown";
}

class ClaimsReader final : public json::Visitor {
 public:
  ClaimsReader(const std::vector<std::string>& names, std::vector<std::string>& notices)
      : names_(names), notices_(notices) {}
  std::vector<ForwardedClaim> found;

  void value(const json::Path& p, json::Value& v) override {
    if (p.size() != 1 || p[0].in_array) return;
    const std::string& name = p[0].key;
    if (std::find(names_.begin(), names_.end(), name) == names_.end()) return;
    ForwardedClaim c;
    c.name = name;
    if (v.type == json::Type::string) {
      c.text = std::move(*v.text);
    } else if (v.type == json::Type::boolean) {
      c.kind = ForwardedClaim::Kind::boolean;
      c.boolean = v.boolean;
    } else if (v.type == json::Type::number && v.is_integer && v.integer >= -kMaxSfInteger &&
               v.integer <= kMaxSfInteger) {
      c.kind = ForwardedClaim::Kind::integer;
      c.integer = v.integer;
    } else {
      notices_.push_back("FORWARD_CLAIMS: claim \"" + name + "\" is " +
                         (v.type == json::Type::number ? std::string("not an integer of at most 15 digits")
                                                       : std::string(type_name(v.type))) +
                         "; left out of X-Edge-Identity");
      return;
    }
    found.push_back(std::move(c));
  }

 private:
  const std::vector<std::string>& names_;
  std::vector<std::string>& notices_;
};

// An sf-string when it can be one, else a Display String (non-ASCII or control characters).
std::string text_item(std::string_view s) { return sf_printable(s) ? sf_string(s) : sf_display_string(s); }

}  // namespace

bool reserved_identity_key(std::string_view name) {
  for (std::string_view k : {"auth", "cred", "mode", "account", "sub", "iss"})
    if (name == k) return true;
  return false;
}

std::vector<ForwardedClaim> read_forwarded_claims(std::string_view payload_json, const std::vector<std::string>& names,
                                                  std::vector<std::string>& notices) {
  if (names.empty()) return {};
  ClaimsReader r(names, notices);
  if (json::read(payload_json, r) != json::Fault::none) return {};  // already read once: cannot happen
  std::vector<ForwardedClaim> ordered;
  for (const std::string& n : names)
    for (ForwardedClaim& c : r.found)
      if (c.name == n) ordered.push_back(std::move(c));
  return ordered;
}

std::string edge_identity(bool jwt, std::string_view credential_id, Mode mode, std::string_view account_id,
                          const JwtClaims* claims) {
  std::string out = jwt ? "auth=jwt" : "auth=api_key";
  out += ", cred=" + text_item(credential_id);
  out += ", mode=";
  out += mode_name(mode);
  out += ", account=" + sf_string(account_id);
  if (!jwt || !claims) return out;
  out += ", sub=" + text_item(claims->sub);
  out += ", iss=" + text_item(claims->iss);
  for (const ForwardedClaim& c : claims->forwarded) {
    out += ", " + c.name;
    switch (c.kind) {
      case ForwardedClaim::Kind::string:
        out += "=" + text_item(c.text);
        break;
      case ForwardedClaim::Kind::integer:
        out += "=" + std::to_string(c.integer);
        break;
      case ForwardedClaim::Kind::boolean:
        out += c.boolean ? "" : "=?0";  // a true boolean is the bare key (RFC 9651 §4.1.2)
        break;
    }
  }
  return out;
}

}  // namespace mb
