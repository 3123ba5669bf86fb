// What the edge keeps of a verified JWT: the claims steps 5-7 and the forward use, and what the
// verified-token cache holds (jwt_checks.h fills it).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rate_limit_policy.h"

namespace mb {

// A claim named in FORWARD_CLAIMS, as the verified token holds it (X-Edge-Identity carries it).
struct ForwardedClaim {
  enum class Kind { string, integer, boolean } kind = Kind::string;
  std::string name, text;
  std::int64_t integer = 0;
  bool boolean = false;
};

// What the edge keeps of a verified token (also what the verified-token cache holds).
struct JwtClaims {
  std::string sub, iss;
  std::vector<ForwardedClaim> forwarded;  // FORWARD_CLAIMS present in the token, in that order
  bool has_account_ids = false;
  std::vector<std::string> account_ids;
  bool livemode = true;
  bool has_required_scope = true;
  std::int64_t exp = 0;
  std::optional<std::int64_t> nbf, iat;
  std::optional<RateLimitOverride> rate_limit;  // the RATE_LIMIT_CLAIM claim
};

}  // namespace mb
