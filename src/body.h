// The request body's rules (docs/api.md): 400 when it cannot be read as one JSON object, 422 with
// every field error (at most 100 listed, in body order) when its fields are wrong. Linear in the
// body's size; no credential, no storage.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "result.h"

namespace mb {

// The validated request: what the later stages, the idempotency fingerprint and the origin use.
struct NormalizedRequest {
  std::string account_id;
  std::optional<std::string> workspace_membership_id;
  std::optional<std::string> email;  // lowercased
  std::vector<std::string> permissions;

  // {"workspace_membership_id"|"email": ..., "permissions": [...]}: what the origin receives.
  std::string body_json() const;
};

inline constexpr std::size_t kMaxWorkspaceMembershipIdChars = 128;
inline constexpr std::size_t kMaxEmailChars = 254;
inline constexpr std::size_t kMaxPermissions = 100;
inline constexpr std::size_t kMaxPermissionChars = 64;

bool valid_email(std::string_view email);  // WHATWG HTML "valid email address"
bool valid_permission_name(std::string_view p);
inline constexpr std::string_view kPermissionPattern = "^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$";

// Reads the body into `out` (account_id is not touched), or the 400/422 Problem.
Status read_body(std::string_view body, const Config& cfg, NormalizedRequest& out);

}  // namespace mb
