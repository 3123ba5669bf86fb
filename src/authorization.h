// Step 6: is the verified credential allowed this request? The required scope (JWT_REQUIRED_SCOPE),
// then the account: the key's or token's account list must hold it, or be exactly ["*"]. A JWT
// without an account_ids claim can only be authorized by the origin: it passes only where routing
// forwards.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace mb {

// Step 4, for API key records and JWT account_ids alike: "*" stands alone or not at all. A list
// mixing it with ids (["acct_9","*"]) is an invalid credential (401), never every account.
Status check_account_list(const std::vector<std::string>& account_ids);

struct Grant;
Status authorize(const Grant& grant, std::string_view account_id, bool routing_forwards);

enum class Flow;
struct Context;
Result<Flow> run_authorization(Context& ctx);
// Where this request's answer comes from when the edge cannot decide it: ROUTING=origin, or a
// live request under ROUTING=auto.
bool routing_forwards(const Context& ctx);

}  // namespace mb
