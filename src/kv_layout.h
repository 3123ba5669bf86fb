// The KV layout: every key the product reads or writes is built here and nowhere else, one
// builder per row of the layout (docs/storage.md).
//
// Parts that come from a request, a record or a token are encoded so that no part can contain
// the ':' separator or pass for another: every byte outside A-Z a-z 0-9 - _ . ~ @ + becomes %XX
// (uppercase hex). A key over KV's 512-byte limit has its last part replaced by "%h" and the
// SHA-256 hex of that encoded part (and, should it still be too long, the part before it, and so
// on). "%h" never occurs in an encoded part ('h' is not a hex digit), and the number of parts is
// fixed per row, so two different part lists never give the same key.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "mode.h"

namespace mb::kv {

inline constexpr std::size_t kMaxKeyBytes = 512;

std::string encode_part(std::string_view part);

// The membership's subject: a user (by id) or, for someone with no user yet, an email.
struct Member {
  enum class By { user_id, email } by;
  std::string_view value;
};

std::string api_key(std::string_view token_sha256_hex);
std::string account(Mode mode, std::string_view account_id);
std::string workspace_membership(Mode mode, std::string_view workspace_membership_id);
std::string user_by_email(Mode mode, std::string_view email);
std::string membership(Mode mode, std::string_view account_id, Member member);
std::string idempotency(Mode mode, std::string_view credential_id, std::string_view idempotency_key);
std::string jwks(std::string_view url_sha256_hex);

// The write authority of an account's memberships and idempotency records: "<mode>:<account_id>".
std::string authority(Mode mode, std::string_view account_id);

// Records that change rarely and may be kept in the isolate for RECORD_CACHE_SECONDS.
bool rarely_changes(std::string_view key);

}  // namespace mb::kv
