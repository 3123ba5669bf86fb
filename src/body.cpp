#include "body.h"

#include <algorithm>

#include "envelope.h"
#include "json_reader.h"
#include "json_writer.h"

namespace mb {

namespace {

using json::Path;
using json::Type;
using json::Value;

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// WHATWG: a label is 1-63 of [A-Za-z0-9-], not starting or ending with '-'.
bool valid_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  return std::all_of(l.begin(), l.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// An unknown field's name as the answer echoes it: at most 48 bytes once escaped, cut on a code
// point and marked "...", so 100 errors always fit in a small answer.
std::string bounded_name(std::string_view name) {
  constexpr std::size_t kMaxEscaped = 48;
  if (json::escaped_size(name) - 2 <= kMaxEscaped) return std::string(name);
  std::size_t cut = 0, size = 0;
  while (cut < name.size()) {
    std::size_t next = cut + 1;
    while (next < name.size() && (static_cast<unsigned char>(name[next]) & 0xC0) == 0x80) ++next;
    std::size_t piece = json::escaped_size(name.substr(cut, next - cut)) - 2;
    if (size + piece > kMaxEscaped - 3) break;
    size += piece;
    cut = next;
  }
  return std::string(name.substr(0, cut)) + "...";
}

struct Item {
  Type type;
  std::string text;
};

class BodyReader final : public json::Visitor {
 public:
  BodyReader(const Config& cfg, NormalizedRequest& out) : cfg_(cfg), out_(out) {}

  bool is_object = false;
  std::vector<FieldError> errors;
  std::size_t more_errors = 0;

  void value(const Path& p, Value& v) override {
    if (p.empty()) {
      is_object = v.type == Type::object;
      return;
    }
    if (!is_object) return;
    const std::string& k = p[0].key;
    if (p.size() == 1) {
      if (k == "workspace_membership_id") {
        saw_wsm_ = true;
        exclusive();
        text_field(k, v, kMaxWorkspaceMembershipIdChars, out_.workspace_membership_id);
      } else if (k == "email") {
        saw_email_ = true;
        exclusive();
        text_field(k, v, kMaxEmailChars, out_.email);
        if (out_.email && !valid_email(*out_.email)) {
          add(k, "invalid_format", "Must be a valid email address.");
          out_.email.reset();
        }
        if (out_.email)
          for (char& c : *out_.email)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      } else if (k == "permissions") {
        if (v.type != Type::array) add(k, "invalid_type", "Must be an array of strings.");
      } else {
        add(bounded_name(k), "unknown_field", "Unknown field.");
      }
    } else if (p.size() == 2 && k == "permissions" && p[1].in_array) {
      items_.push_back({v.type, v.type == Type::string ? std::move(*v.text) : std::string()});
    }
  }

  void close(const Path& p, Type t) override {
    if (p.size() == 1 && p[0].key == "permissions" && t == Type::array) check_permissions();
  }

  void finish() {
    if (!saw_wsm_ && !saw_email_)
      add("workspace_membership_id", "one_of_required", "Provide workspace_membership_id or email.");
  }

 private:
  void add(std::string field, std::string_view reason, std::string_view message, std::string pointer = {}) {
    if (errors.size() < kMaxListedFieldErrors)
      errors.push_back({std::move(field), reason, message, std::move(pointer)});
    else
      ++more_errors;
  }
  void add_item(std::size_t i, std::string_view reason, std::string_view message) {
    add("permissions[" + std::to_string(i) + "]", reason, message, "/permissions/" + std::to_string(i));
  }
  void exclusive() {
    if (saw_wsm_ && saw_email_)
      add("email", "mutually_exclusive", "Provide workspace_membership_id or email, not both.");
  }
  void text_field(const std::string& name, Value& v, std::size_t max_chars, std::optional<std::string>& out) {
    if (v.type != Type::string)
      add(name, "invalid_type", "Must be a string.");
    else if (v.text->empty())
      add(name, "empty", "Must not be empty.");
    else if (json::code_points(*v.text) > max_chars)
      add(name, "too_long",
          max_chars == kMaxEmailChars ? "Must be at most 254 characters." : "Must be at most 128 characters.");
    else
      out = std::move(*v.text);
  }
  void check_permissions() {
    if (items_.size() > kMaxPermissions) {
      add("permissions", "too_many", "At most 100 permissions.");
      return;
    }
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const std::string& s = items_[i].text;
      if (items_[i].type != Type::string) {
        add_item(i, "invalid_type", "Must be a string.");
      } else if (cfg_.permissions_restricted) {
        if (std::find(cfg_.allowed_permissions.begin(), cfg_.allowed_permissions.end(), s) ==
            cfg_.allowed_permissions.end())
          add_item(i, "not_allowed", "Not an allowed permission.");
        else
          keep(i, s);
      } else if (json::code_points(s) > kMaxPermissionChars) {
        add_item(i, "too_long", "Must be at most 64 characters.");
      } else if (!valid_permission_name(s)) {
        add_item(i, "invalid_format", "Must match ^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$.");
      } else {
        keep(i, s);
      }
    }
  }
  void keep(std::size_t i, const std::string& s) {
    if (std::find(out_.permissions.begin(), out_.permissions.end(), s) != out_.permissions.end())
      add_item(i, "duplicate", "Duplicate permission.");
    else
      out_.permissions.push_back(s);
  }

  const Config& cfg_;
  NormalizedRequest& out_;
  bool saw_wsm_ = false, saw_email_ = false;
  std::vector<Item> items_;
};

}  // namespace

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
  if (p.empty() || p.size() > kMaxPermissionChars) return false;
  bool segment_start = true;
  for (char c : p) {
    if (segment_start) {
      if (c < 'a' || c > 'z') return false;
      segment_start = false;
    } else if (c == ':') {
      segment_start = true;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return !segment_start;
}

std::string NormalizedRequest::body_json() const {
  json::Writer w;
  w.begin_object();
  if (workspace_membership_id) w.key("workspace_membership_id").string(*workspace_membership_id);
  if (email) w.key("email").string(*email);
  w.key("permissions").strings(permissions);
  w.end_object();
  return w.take();
}

Status read_body(std::string_view body, const Config& cfg, NormalizedRequest& out) {
  BodyReader r(cfg, out);
  switch (json::read(body, r)) {
    case json::Fault::none:
      break;
    case json::Fault::invalid_utf8:
      return Error::invalid_utf8;
    case json::Fault::syntax:
      return Error::invalid_json;
    case json::Fault::duplicate_key:
      return Error::duplicate_key;
    case json::Fault::too_deep:
      return Error::too_deep;
  }
  if (!r.is_object) return Error::body_not_object;
  r.finish();
  if (r.errors.empty()) return {};
  Problem p = problem(Error::validation_failed);
  p.fields = std::move(r.errors);
  p.more_fields = r.more_errors;
  return p;
}

}  // namespace mb
