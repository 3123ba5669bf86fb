// Step 7 at the origin: the forward (SPEC §4). POST ORIGIN_URL + the endpoint's path with a query
// rebuilt from the checked account_id alone; the original Authorization, X-Request-Id, the
// credential id (KV-part encoded: plain ASCII whatever the JWT's sub), the mode, and the normalized
// body; with ORIGIN_SHARED_SECRET, X-Edge-Signature over all of these. The origin's answer is
// passed through (Retry-After too); a 2xx under ROUTING=auto is written through to KV.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "result.h"

namespace mb {

// X-Edge-Signature: "t=<t>,v1=<hex HMAC-SHA256 over the lines t, method, path-with-query,
// X-Edge-Credential-Id, X-Edge-Mode, X-Request-Id and the body, joined by \n>".
std::string edge_signature(std::string_view secret, std::int64_t t, std::string_view method,
                           std::string_view path_with_query, std::string_view credential_id, std::string_view mode,
                           std::string_view request_id, std::string_view body);

enum class Flow;
struct Context;
Result<Flow> forward(Context& ctx);        // asks for the fetch (Flow::wait)
Result<Flow> after_forward(Context& ctx);  // the origin's answer, or 502/504

}  // namespace mb
