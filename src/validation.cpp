#include "validation.h"

#include <algorithm>

#include "http.h"

namespace mb {

namespace {
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_lower_alnum_(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// WHATWG: a label is 1-63 of [A-Za-z0-9-], not starting or ending with '-'.
bool valid_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  return std::all_of(l.begin(), l.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// Shortens a client-supplied name for echoing (never cutting a UTF-8 sequence).
std::string shorten(std::string_view s, std::size_t max = 64) {
  if (s.size() <= max) return std::string(s);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

void add(std::vector<FieldError>& errors, std::string field, const char* reason, std::string message) {
  errors.push_back({std::move(field), reason, std::move(message)});
}
}  // namespace

bool valid_account_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool valid_email(std::string_view email) {
  std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0) return false;
  static constexpr std::string_view local_extra = ".!#$%&'*+/=?^_`{|}~-";
  for (char c : email.substr(0, at))
    if (!is_alnum(c) && local_extra.find(c) == std::string_view::npos) return false;
  std::string_view domain = email.substr(at + 1);
  if (domain.empty()) return false;
  while (true) {
    std::size_t dot = domain.find('.');
    if (!valid_label(domain.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    domain.remove_prefix(dot + 1);
  }
}

bool valid_permission_name(std::string_view p) {
  // ^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$
  if (p.empty() || p.size() > 64) return false;
  bool segment_start = true;
  for (char c : p) {
    if (segment_start) {
      if (c < 'a' || c > 'z') return false;
      segment_start = false;
    } else if (c == ':') {
      segment_start = true;
    } else if (!is_lower_alnum_(c)) {
      return false;
    }
  }
  return !segment_start;
}

std::optional<Rejection> read_account_id(std::string_view query, std::string& account_id) {
  int seen = 0;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::optional<std::string> name = percent_decode(raw_name);
    if (name && *name == "account_id") {
      if (++seen > 1) return Rejection{Error::invalid_account_id, {}};
      std::optional<std::string> value =
          percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      if (!value) return Rejection{Error::invalid_account_id, {}};
      account_id = std::move(*value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if (seen == 0) return Rejection{Error::missing_account_id, {}};
  if (account_id.empty()) return Rejection{Error::missing_account_id, {}};
  if (!valid_account_id(account_id)) return Rejection{Error::invalid_account_id, {}};
  return std::nullopt;
}

Json NormalizedRequest::body() const {
  Json b = Json::object();
  if (workspace_membership_id) b["workspace_membership_id"] = *workspace_membership_id;
  if (email) b["email"] = *email;
  Json perms = Json::array();
  for (const std::string& p : permissions) perms.push_back(p);
  b["permissions"] = std::move(perms);
  return b;
}

std::optional<Rejection> validate_body(std::string_view body, const Config& cfg, NormalizedRequest& out) {
  ParsedJson parsed = parse_strict(body);
  switch (parsed.fault) {
    case JsonFault::none:
      break;
    case JsonFault::invalid_utf8:
      return Rejection{Error::invalid_utf8, {}};
    case JsonFault::syntax:
      return Rejection{Error::invalid_json, {}};
    case JsonFault::duplicate_key:
      return Rejection{Error::duplicate_key, {}};
    case JsonFault::too_deep:
      return Rejection{Error::too_deep, {}};
  }
  const Json& doc = parsed.value;
  if (!doc.is_object()) return Rejection{Error::body_not_object, {}};

  std::vector<FieldError> errors;
  const Json* wsm = nullptr;
  const Json* email = nullptr;
  const Json* perms = nullptr;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& k = it.key();
    if (k == "workspace_membership_id")
      wsm = &it.value();
    else if (k == "email")
      email = &it.value();
    else if (k == "permissions")
      perms = &it.value();
    else
      add(errors, shorten(k, 128), "unknown_field", "Unknown field \"" + shorten(k, 32) + "\".");
  }

  if (!wsm && !email)
    add(errors, "workspace_membership_id", "one_of_required", "Provide workspace_membership_id or email.");
  if (wsm && email) add(errors, "email", "mutually_exclusive", "Provide workspace_membership_id or email, not both.");

  if (wsm) {
    if (!wsm->is_string())
      add(errors, "workspace_membership_id", "invalid_type", "Must be a string.");
    else {
      const std::string& s = *wsm->get_ptr<const std::string*>();
      if (s.empty())
        add(errors, "workspace_membership_id", "empty", "Must not be empty.");
      else if (s.size() > 128)
        add(errors, "workspace_membership_id", "too_long", "Must be at most 128 characters.");
      else
        out.workspace_membership_id = s;
    }
  }
  if (email) {
    if (!email->is_string())
      add(errors, "email", "invalid_type", "Must be a string.");
    else {
      const std::string& s = *email->get_ptr<const std::string*>();
      if (s.empty())
        add(errors, "email", "empty", "Must not be empty.");
      else if (s.size() > 254)
        add(errors, "email", "too_long", "Must be at most 254 characters.");
      else if (!valid_email(s))
        add(errors, "email", "invalid_format", "Must be a valid email address.");
      else {
        std::string lower = s;
        for (char& c : lower)
          if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        out.email = std::move(lower);
      }
    }
  }
  if (perms) {
    if (!perms->is_array()) {
      add(errors, "permissions", "invalid_type", "Must be an array of strings.");
    } else if (perms->size() > 100) {
      add(errors, "permissions", "too_many", "At most 100 permissions.");
    } else {
      std::size_t i = 0;
      for (const Json& p : *perms) {
        std::string field = "permissions[" + std::to_string(i++) + "]";
        if (!p.is_string()) {
          add(errors, field, "invalid_type", "Must be a string.");
          continue;
        }
        const std::string& s = *p.get_ptr<const std::string*>();
        if (cfg.permissions_restricted) {
          if (std::find(cfg.allowed_permissions.begin(), cfg.allowed_permissions.end(), s) ==
              cfg.allowed_permissions.end()) {
            add(errors, field, "not_allowed", "Not an allowed permission.");
            continue;
          }
        } else if (s.size() > 64) {
          add(errors, field, "too_long", "Must be at most 64 characters.");
          continue;
        } else if (!valid_permission_name(s)) {
          add(errors, field, "invalid_format", "Must match ^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$.");
          continue;
        }
        if (std::find(out.permissions.begin(), out.permissions.end(), s) != out.permissions.end()) {
          add(errors, field, "duplicate", "Duplicate permission.");
          continue;
        }
        out.permissions.push_back(s);
      }
    }
  }
  if (!errors.empty()) return Rejection{Error::validation_failed, std::move(errors)};
  return std::nullopt;
}

}  // namespace mb
