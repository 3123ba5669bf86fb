// The error catalogue: every error the product answers, one row each.
// error.code = status * 100 + n; docs/errors.md is generated from this table (scripts/errors-doc.mjs).
#pragma once
#include <cstdint>
#include <string_view>

namespace mb {

#define MB_ERROR_CATALOGUE(X)                                                                     \
  X(invalid_json, 400, 1, "Request body is not valid JSON.")                                      \
  X(invalid_utf8, 400, 2, "Request body is not valid UTF-8.")                                     \
  X(body_not_object, 400, 3, "Request body must be a JSON object.")                               \
  X(duplicate_key, 400, 4, "Request body has a duplicate key.")                                   \
  X(too_deep, 400, 5, "Request body is nested deeper than 32 levels.")                            \
  X(missing_account_id, 400, 6, "Query parameter account_id is required.")                        \
  X(invalid_account_id, 400, 7, "Query parameter account_id is malformed.")                       \
  X(invalid_idempotency_key, 400, 8, "Idempotency-Key must be a single key of 1-255 characters.") \
  X(malformed_request, 400, 9, "The HTTP request could not be read.")                             \
  X(invalid_content_length, 400, 10, "Content-Length must be a decimal number.")                  \
  X(missing_credential, 401, 1, "A Bearer credential is required.")                               \
  X(malformed_credential, 401, 2, "The Bearer credential is malformed.")                          \
  X(unknown_api_key, 401, 3, "The API key is not valid.")                                         \
  X(revoked_api_key, 401, 4, "The API key has been revoked.")                                     \
  X(expired_api_key, 401, 5, "The API key has expired.")                                          \
  X(api_key_mismatch, 401, 6, "The API key does not match its record.")                           \
  X(invalid_account_list, 401, 7, "The account list mixes * with account ids.")                   \
  X(jwt_not_configured, 401, 10, "JWT authentication is not configured.")                         \
  X(jwt_malformed, 401, 11, "The token is malformed.")                                            \
  X(jwt_unsupported_alg, 401, 12, "The token's algorithm is not accepted.")                       \
  X(jwt_unknown_key, 401, 13, "The token's signing key is unknown.")                              \
  X(jwt_bad_signature, 401, 14, "The token's signature is invalid.")                              \
  X(jwt_expired, 401, 15, "The token has expired.")                                               \
  X(jwt_not_yet_valid, 401, 16, "The token is not valid yet.")                                    \
  X(jwt_issued_in_future, 401, 17, "The token was issued in the future.")                         \
  X(jwt_wrong_issuer, 401, 18, "The token's issuer is not accepted.")                             \
  X(jwt_wrong_audience, 401, 19, "The token's audience is not accepted.")                         \
  X(jwt_missing_claim, 401, 20, "The token lacks a required claim.")                              \
  X(jwt_critical_header, 401, 21, "The token has a critical header that is not understood.")      \
  X(jwt_lifetime_too_long, 401, 22, "The token's lifetime exceeds the maximum.")                  \
  X(jwt_wrong_type, 401, 23, "The token's type (typ) is not accepted.")                           \
  X(publishable_key, 403, 1, "Publishable keys cannot create memberships.")                       \
  X(account_not_granted, 403, 2, "The credential is not granted this account.")                   \
  X(missing_scope, 403, 3, "The token lacks the required scope.")                                 \
  X(not_found, 404, 1, "No such endpoint.")                                                       \
  X(account_not_found, 404, 2, "The account does not exist.")                                     \
  X(workspace_membership_not_found, 404, 3, "The workspace membership does not exist.")           \
  X(method_not_allowed, 405, 1, "Method not allowed.")                                            \
  X(membership_conflict, 409, 1, "The membership exists with different permissions.")             \
  X(idempotency_key_reused, 409, 2, "The Idempotency-Key was used with a different request.")     \
  X(idempotency_key_in_progress, 409, 3, "A request with this Idempotency-Key is in progress.")   \
  X(body_too_large, 413, 1, "Request body is too large.")                                         \
  X(unsupported_media_type, 415, 1, "Content-Type must be application/json.")                     \
  X(validation_failed, 422, 1, "The request has invalid fields.")                                 \
  X(workspace_mismatch, 422, 2, "The workspace membership belongs to another workspace.")         \
  X(rate_limited, 429, 1, "Too many requests.")                                                   \
  X(headers_too_large, 431, 1, "Request headers are too many or too large.")                      \
  X(internal_error, 500, 1, "Internal error.")                                                    \
  X(configuration_error, 500, 2, "The service is misconfigured.")                                 \
  X(corrupt_record, 500, 3, "A stored record is unreadable.")                                     \
  X(origin_unreachable, 502, 1, "The origin could not be reached.")                               \
  X(origin_bad_response, 502, 2, "The origin answered with an invalid response.")                 \
  X(storage_unavailable, 503, 1, "Storage is unavailable.")                                       \
  X(key_provider_unavailable, 503, 2, "The token key provider is unavailable.")                   \
  X(rate_limiter_unavailable, 503, 3, "The rate limiter is unavailable.")                         \
  X(origin_timeout, 504, 1, "The origin did not answer in time.")

enum class Error : std::uint8_t {
#define MB_ENUM(name, status, n, message) name,
  MB_ERROR_CATALOGUE(MB_ENUM)
#undef MB_ENUM
};

struct ErrorInfo {
  std::string_view name;
  int status;
  int code;
  std::string_view message;
};

const ErrorInfo& info(Error e);

// Every row, in catalogue order (for the docs generator and the tests).
const ErrorInfo* catalogue_begin();
const ErrorInfo* catalogue_end();

}  // namespace mb
