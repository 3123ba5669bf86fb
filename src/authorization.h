// Step 6: is the verified credential allowed this request? The required scope (JWT_REQUIRED_SCOPE),
// then the account: the key's or token's account list must hold it (or "*"). A JWT without an
// account_ids claim can only be authorized by the origin: it passes only where routing forwards.
#pragma once
#include <string_view>

#include "result.h"

namespace mb {

struct Grant;
Status authorize(const Grant& grant, std::string_view account_id, bool routing_forwards);

enum class Flow;
struct Context;
Result<Flow> run_authorization(Context& ctx);
// Where this request's answer comes from when the edge cannot decide it: ROUTING=origin, or a
// live request under ROUTING=auto.
bool routing_forwards(const Context& ctx);

}  // namespace mb
