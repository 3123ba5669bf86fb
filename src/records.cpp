#include "records.h"

#include "json_reader.h"
#include "json_writer.h"
#include "timefmt.h"

namespace mb {

namespace {

using json::Path;
using json::Type;
using json::Value;

// The common part of every record reader: the root must be an object, fields are taken by type,
// and the first field that is missing or of the wrong type is what the log line names.
class FieldReader : public json::Visitor {
 public:
  std::string bad;
  bool root_is_object = false;

  void value(const Path& p, Value& v) final {
    if (p.empty())
      root_is_object = v.type == Type::object;
    else
      field(p, v);
  }
  virtual void field(const Path& p, Value& v) = 0;
  // After the whole text: required fields that never came.
  virtual void finish() {}

  void mark(std::string_view name) {
    if (bad.empty()) bad = std::string(name);
  }
  void text(std::string_view name, Value& v, std::string& out, bool& seen) {
    seen = true;
    if (v.type == Type::string)
      out = std::move(*v.text);
    else
      mark(name);
  }
  void text_or_null(std::string_view name, Value& v, std::optional<std::string>& out) {
    if (v.type == Type::string)
      out = std::move(*v.text);
    else if (v.type == Type::null)
      out.reset();
    else
      mark(name);
  }
  // An array of strings: `v` is either the array's opening (depth of the field) or an item.
  void strings(std::string_view name, const Path& p, std::size_t depth, Value& v, std::vector<std::string>& out,
               bool& seen) {
    if (p.size() == depth) {
      seen = true;
      if (v.type != Type::array) mark(name);
    } else if (p.size() == depth + 1) {
      if (v.type == Type::string)
        out.push_back(std::move(*v.text));
      else
        mark(std::string(name) + "[]");
    }
  }
  // {"id","email","name"} below `depth` segments: id, email and name strings or null.
  void person(std::string_view name, const Path& p, std::size_t depth, Value& v, Person& out) {
    if (p.size() == depth) {
      if (v.type != Type::object) mark(name);
      return;
    }
    if (p.size() != depth + 1 || p[depth].in_array) return;
    const std::string& k = p[depth].key;
    std::string full = name.empty() ? k : std::string(name) + "." + k;
    if (k == "id")
      text_or_null(full, v, out.id);
    else if (k == "email")
      text_or_null(full, v, out.email);
    else if (k == "name")
      text_or_null(full, v, out.name);
  }

  // The field a path names at `depth` (the root's members are at depth 0).
  static std::string_view key_at(const Path& p, std::size_t depth) {
    return p.size() > depth && !p[depth].in_array ? std::string_view(p[depth].key) : std::string_view();
  }
};

// Reads `text` with `reader`; a corrupt record is a Problem naming the key and the field.
Status read_with(std::string_view text, std::string_view key, FieldReader& reader) {
  auto corrupt = [&](std::string_view why) {
    return problem(Error::corrupt_record,
                   "KV record " + std::string(key.substr(0, 120)) + " is corrupt: " + std::string(why));
  };
  if (text.size() > kMaxRecordBytes) return corrupt("larger than 64 KiB");
  if (json::read(text, reader) != json::Fault::none) return corrupt("not valid JSON");
  if (!reader.root_is_object) return corrupt("not a JSON object");
  reader.finish();
  if (!reader.bad.empty()) return corrupt("field " + reader.bad + " is missing or of the wrong type");
  return {};
}

class ApiKeyReader final : public FieldReader {
 public:
  ApiKeyRecord rec;
  bool seen_id = false, seen_type = false, seen_mode = false, seen_ids = false, seen_revoked = false,
       seen_expires = false;
  std::string type, mode;
  RateLimitObject rate_limit;

  void field(const Path& p, Value& v) override {
    std::string_view k = key_at(p, 0);
    if (k == "account_ids") return strings("account_ids", p, 1, v, rec.account_ids, seen_ids);
    if (k == "rate_limit") return rate_limit.value(p, 1, v);
    if (p.size() != 1) return;
    if (k == "id") {
      text("id", v, rec.id, seen_id);
    } else if (k == "type") {
      text("type", v, type, seen_type);
    } else if (k == "mode") {
      text("mode", v, mode, seen_mode);
    } else if (k == "revoked") {
      seen_revoked = true;
      if (v.type == Type::boolean)
        rec.revoked = v.boolean;
      else
        mark("revoked");
    } else if (k == "expires_at") {
      seen_expires = true;
      if (v.type == Type::null) return;
      auto t = v.type == Type::string ? parse_rfc3339(*v.text) : std::nullopt;
      if (t)
        rec.expires_at = *t;
      else
        mark("expires_at");
    }
  }
  void finish() override {
    if (!seen_id || rec.id.empty()) mark("id");
    if (!seen_type || (type != "secret" && type != "publishable")) mark("type");
    if (!seen_mode || (mode != "test" && mode != "live")) mark("mode");
    if (!seen_ids) mark("account_ids");
    if (!seen_revoked) mark("revoked");
    if (!seen_expires) mark("expires_at");
    if (!rate_limit.finish(rec.rate_limit)) mark("rate_limit");
    rec.type = type == "publishable" ? ApiKeyType::publishable : ApiKeyType::secret;
    rec.mode = mode == "test" ? Mode::test : Mode::live;
  }
};

// The record's own "id" is not used (the key names the record); when present it must be a string.
class AccountReader final : public FieldReader {
 public:
  AccountRecord rec;
  bool seen_workspace = false;
  void field(const Path& p, Value& v) override {
    if (p.size() != 1) return;
    std::string_view k = key_at(p, 0);
    if (k == "workspace_id")
      text("workspace_id", v, rec.workspace_id, seen_workspace);
    else if (k == "id" && v.type != Type::string)
      mark("id");
    else if (k == "name") {
      std::optional<std::string> name;
      text_or_null("name", v, name);
    }
  }
  void finish() override {
    if (!seen_workspace) mark("workspace_id");
  }
};

// As for accounts: the record's own "id" is not used; when present it must be a string.
class WorkspaceMembershipReader final : public FieldReader {
 public:
  WorkspaceMembershipRecord rec;
  bool seen_workspace = false;
  void field(const Path& p, Value& v) override {
    std::string_view k = key_at(p, 0);
    if (k == "user") return person("user", p, 1, v, rec.user);
    if (p.size() != 1) return;
    if (k == "workspace_id") text("workspace_id", v, rec.workspace_id, seen_workspace);
    if (k == "id" && v.type != Type::string) mark("id");
  }
  void finish() override {
    if (!seen_workspace) mark("workspace_id");
    if (!rec.user.id) mark("user.id");
  }
};

class UserReader final : public FieldReader {
 public:
  UserRecord rec;
  void field(const Path& p, Value& v) override {
    if (p.size() == 1) person("", p, 0, v, rec);
  }
  void finish() override {
    if (!rec.id) mark("id");
  }
};

// The fields of a membership object whose own members sit at `depth` segments.
class MembershipFields {
 public:
  MembershipRecord rec;
  bool seen_id = false, seen_permissions = false, seen_account = false, seen_created = false, seen_updated = false;

  void field(FieldReader& r, const Path& p, std::size_t depth, Value& v) {
    std::string_view k = FieldReader::key_at(p, depth);
    if (k == "permissions") return r.strings("permissions", p, depth + 1, v, rec.permissions, seen_permissions);
    if (k == "user") return r.person("user", p, depth + 1, v, rec.user);
    if (p.size() != depth + 1) return;
    if (k == "id")
      r.text("id", v, rec.id, seen_id);
    else if (k == "account_id")
      r.text("account_id", v, rec.account_id, seen_account);
    else if (k == "user_id")
      r.text_or_null("user_id", v, rec.user_id);
    else if (k == "workspace_membership_id")
      r.text_or_null("workspace_membership_id", v, rec.workspace_membership_id);
    else if (k == "created_at")
      r.text("created_at", v, rec.created_at, seen_created);
    else if (k == "updated_at")
      r.text("updated_at", v, rec.updated_at, seen_updated);
    else if (k == "object" && v.type != Type::string)
      r.mark("object");
  }
};

class MembershipReader final : public FieldReader {
 public:
  MembershipFields m;
  void field(const Path& p, Value& v) override { m.field(*this, p, 0, v); }
  void finish() override {
    if (!m.seen_id) mark("id");
    if (!m.seen_permissions) mark("permissions");
  }
};

class IdempotencyReader final : public FieldReader {
 public:
  IdempotencyRecord rec;
  bool seen_fingerprint = false, seen_status = false, seen_body = false;
  void field(const Path& p, Value& v) override {
    if (p.size() != 1) return;
    std::string_view k = key_at(p, 0);
    if (k == "fingerprint") {
      text("fingerprint", v, rec.fingerprint, seen_fingerprint);
    } else if (k == "body") {
      text("body", v, rec.body, seen_body);
    } else if (k == "pending") {
      if (v.type == Type::boolean)
        rec.pending = v.boolean;
      else
        mark("pending");
    } else if (k == "account_id") {
      bool seen = false;
      text("account_id", v, rec.account_id, seen);
    } else if (k == "status") {
      seen_status = true;
      if (v.type == Type::number && v.is_integer && v.integer >= 200 && v.integer <= 599)
        rec.status = static_cast<int>(v.integer);
      else
        mark("status");
    }
  }
  void finish() override {
    if (!seen_fingerprint) mark("fingerprint");
    if (rec.pending) return;  // a claim has no answer yet
    if (!seen_status) mark("status");
    if (!seen_body) mark("body");
  }
};

// An origin answer: {"data": membership?, "error": {"code": n}?, ...}.
class OriginAnswerReader final : public FieldReader {
 public:
  MembershipFields data;
  bool has_data = false;
  int error_code = 0;
  void field(const Path& p, Value& v) override {
    std::string_view k = key_at(p, 0);
    if (k == "data") {
      if (p.size() == 1)
        has_data = v.type == Type::object;
      else
        data.field(*this, p, 1, v);
    } else if (k == "error" && p.size() == 2 && key_at(p, 1) == "code" && v.type == Type::number && v.is_integer &&
               v.integer > 0 && v.integer < 100000) {
      error_code = static_cast<int>(v.integer);
    }
  }
};

void write_person(json::Writer& w, const Person& p) {
  w.begin_object();
  w.key("id").nullable(p.id ? &*p.id : nullptr);
  w.key("email").nullable(p.email ? &*p.email : nullptr);
  w.key("name").nullable(p.name ? &*p.name : nullptr);
  w.end_object();
}

}  // namespace

template <class Reader>
auto read_record(std::string_view text, std::string_view key, Reader r) -> Result<decltype(r.rec)> {
  MB_TRY(read_with(text, key, r));
  return std::move(r.rec);
}

Result<ApiKeyRecord> read_api_key(std::string_view text, std::string_view key) {
  return read_record(text, key, ApiKeyReader{});
}
Result<AccountRecord> read_account(std::string_view text, std::string_view key) {
  return read_record(text, key, AccountReader{});
}
Result<WorkspaceMembershipRecord> read_workspace_membership(std::string_view text, std::string_view key) {
  return read_record(text, key, WorkspaceMembershipReader{});
}
Result<UserRecord> read_user(std::string_view text, std::string_view key) {
  return read_record(text, key, UserReader{});
}
Result<MembershipRecord> read_membership(std::string_view text, std::string_view key) {
  MembershipReader r;
  MB_TRY(read_with(text, key, r));
  return std::move(r.m.rec);
}
Result<IdempotencyRecord> read_idempotency(std::string_view text, std::string_view key) {
  return read_record(text, key, IdempotencyReader{});
}

std::optional<OriginAnswer> read_origin_answer(std::string_view text) {
  OriginAnswerReader r;
  if (text.size() > 1024 * 1024 || json::read(text, r) != json::Fault::none || !r.root_is_object) return std::nullopt;
  OriginAnswer a;
  a.error_code = r.error_code;
  const MembershipFields& d = r.data;
  // Written through only when the data is a whole membership, every field of its type.
  if (r.has_data && r.bad.empty() && d.seen_id && d.seen_permissions && d.seen_account && d.seen_created &&
      d.seen_updated)
    a.membership = d.rec;
  return a;
}

std::string write_membership(const MembershipRecord& m) {
  json::Writer w;
  w.reserve(320);
  w.begin_object();
  w.key("object").string("account_membership");
  w.key("id").string(m.id);
  w.key("account_id").string(m.account_id);
  w.key("user_id").nullable(m.user_id ? &*m.user_id : nullptr);
  w.key("workspace_membership_id").nullable(m.workspace_membership_id ? &*m.workspace_membership_id : nullptr);
  w.key("permissions").strings(m.permissions);
  w.key("created_at").string(m.created_at);
  w.key("updated_at").string(m.updated_at);
  w.key("user");
  write_person(w, m.user);
  w.end_object();
  return w.take();
}

std::string write_idempotency(const IdempotencyRecord& r) {
  json::Writer w;
  w.reserve(r.body.size() + 128);
  w.begin_object();
  w.key("fingerprint").string(r.fingerprint);
  if (r.pending) {
    w.key("account_id").string(r.account_id);
    w.key("pending").boolean(true);
  } else {
    w.key("status").integer(r.status);
    w.key("body").string(r.body);
  }
  w.end_object();
  return w.take();
}

}  // namespace mb
