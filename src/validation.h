// The request's own rules (SPEC §2, §6): query, body, fields. No credential, no storage.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "errors.h"
#include "strict_json.h"

namespace mb {

struct FieldError {
  std::string field;
  std::string reason;
  std::string message;
};

// The validated request: what the later stages, the idempotency fingerprint and the origin use.

struct NormalizedRequest {
  std::string account_id;
  std::optional<std::string> workspace_membership_id;
  std::optional<std::string> email;  // lowercased
  std::vector<std::string> permissions;

  Json body() const;  // {"workspace_membership_id"|"email": ..., "permissions": [...]}
};

struct Rejection {
  Error error;
  std::vector<FieldError> field_errors;  // for 422
};

bool valid_account_id(std::string_view id);
bool valid_email(std::string_view email);  // WHATWG HTML "valid email address"
bool valid_permission_name(std::string_view p);

// account_id from the query string: 400 when missing, repeated or malformed.
std::optional<Rejection> read_account_id(std::string_view query, std::string& account_id);

// Parses and validates the body; fills `out` or answers why not (400 or 422 with every field error).
std::optional<Rejection> validate_body(std::string_view body, const Config& cfg, NormalizedRequest& out);

}  // namespace mb
