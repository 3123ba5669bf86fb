// The stored records of the KV layout (docs/storage.md), read by type: a field of the wrong type,
// or a required field missing, makes the record corrupt (500 corrupt_record, with a log line
// naming the key and the field), never valid and never absent. Extra fields are ignored.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mode.h"
#include "rate_limit_policy.h"
#include "result.h"

namespace mb {

inline constexpr std::size_t kMaxRecordBytes = 64 * 1024;

enum class ApiKeyType { secret, publishable };

// apikey:<sha256hex>  {"id","type","mode","account_ids","revoked","expires_at"}: all required;
// optional "rate_limit": {"limit":N,"period":S} (or null), this key's own rate limit.
struct ApiKeyRecord {
  std::string id;
  ApiKeyType type = ApiKeyType::secret;
  Mode mode = Mode::live;
  std::vector<std::string> account_ids;  // may be ["*"]
  bool revoked = true;
  std::optional<std::int64_t> expires_at;  // unix seconds; nullopt: never
  std::optional<RateLimitOverride> rate_limit;
};

// account:<mode>:<account_id>  {"id","workspace_id","name"}: workspace_id required.
struct AccountRecord {
  std::string workspace_id;
};

// A person as the answer shows it; id null for an email invite to someone with no user yet.
struct Person {
  std::optional<std::string> id, email, name;
};

// workspace_membership:<mode>:<id>  {"id","workspace_id","user":{"id","email","name"}}:
// workspace_id and user.id required.
struct WorkspaceMembershipRecord {
  std::string workspace_id;
  Person user;
};

// user_by_email:<mode>:<email>  {"id","email","name"}: id required.
using UserRecord = Person;

// account_membership:...  the answer's data object: id and permissions required.
struct MembershipRecord {
  std::string id, account_id;
  std::optional<std::string> user_id, workspace_membership_id;
  std::vector<std::string> permissions;
  std::string created_at, updated_at;
  Person user;
};

// idempotency:...  the answer {"fingerprint","status","body"}: all required, status 200-599; or
// the claim of a request still running {"fingerprint","account_id","pending":true}.
struct IdempotencyRecord {
  std::string fingerprint;
  int status = 0;
  std::string body;
  bool pending = false;
  std::string account_id;  // pending only: whose request holds the key (for people reading storage)
};

Result<ApiKeyRecord> read_api_key(std::string_view text, std::string_view key);
Result<AccountRecord> read_account(std::string_view text, std::string_view key);
Result<WorkspaceMembershipRecord> read_workspace_membership(std::string_view text, std::string_view key);
Result<UserRecord> read_user(std::string_view text, std::string_view key);
Result<MembershipRecord> read_membership(std::string_view text, std::string_view key);
Result<IdempotencyRecord> read_idempotency(std::string_view text, std::string_view key);

std::string write_membership(const MembershipRecord& m);
std::string write_idempotency(const IdempotencyRecord& r);  // the answer, or the claim when pending

// An origin's answer: a JSON object, its error.code if any, and its data as a membership when
// the data has that shape (what the edge writes through).
struct OriginAnswer {
  int error_code = 0;
  std::optional<MembershipRecord> membership;
};
std::optional<OriginAnswer> read_origin_answer(std::string_view text);

}  // namespace mb
