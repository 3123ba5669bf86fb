// Step 5: the rate limits of a verified credential, and the RateLimit-Policy / RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers) every answer after step 4 carries.
//
// The credential's policy is its own override (an API key record's or a JWT claim's
// {"limit":N,"period":S}), else the configured one: the Workers rate-limiting binding when the host
// has one (the rate_limit effect: allowed or not), else a token bucket of RATE_LIMIT_PER_MINUTE per
// credential, per isolate (0 turns it off). An override is always this isolate's token bucket: the
// binding's limit is fixed where it is declared. RATE_LIMIT_ACCOUNT_PER_MINUTE adds a bucket per
// account that every credential granted that account shares.
#pragma once
#include "rate_limit_policy.h"
#include "result.h"

namespace mb {

enum class Flow;
struct Context;
Result<Flow> run_rate_limit(Context& ctx);

}  // namespace mb
