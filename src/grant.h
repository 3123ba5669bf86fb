// What the verified credential allows (step 4), checked at step 6.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mode.h"
#include "rate_limit_policy.h"

namespace mb {

struct Grant {
  std::string credential_id;  // the API key record's id, or "jwt:" + sub
  Mode mode = Mode::live;
  bool has_account_list = true;  // false: a JWT without account_ids (only the origin can authorize it)
  std::vector<std::string> account_ids;
  bool has_required_scope = true;
  std::optional<RateLimitOverride> rate_limit;  // the key record's or the token's own limit
};

}  // namespace mb
