// Step 7 at the origin: the forward. POST ORIGIN_URL + the endpoint's path with a query rebuilt
// from the checked account_id alone; the client's Authorization (unless FORWARD_AUTHORIZATION is
// false), X-Request-Id, the credential id (KV-part encoded: plain ASCII whatever the JWT's sub),
// the mode, X-Edge-Identity (what the edge verified), Idempotency-Key, a valid traceparent and
// tracestate, and the normalized body with its Content-Digest (RFC 9530). With a key, RFC 9421
// signatures over all of these: "edge" (ecdsa-p256-sha256, ORIGIN_SIGNING_KEY; the host's
// WebCrypto signs where it has one) and "edge-hmac" (hmac-sha256, ORIGIN_SHARED_SECRET).
// The origin's answer is passed through (Retry-After too); a 2xx under ROUTING=auto is written
// through to KV.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "forward_draft.h"
#include "result.h"
#include "stage_progress.h"

namespace mb {

inline constexpr std::int64_t kForwardSignatureLifetimeS = 300;  // expires = created + 300
inline constexpr std::string_view kForwardSignatureTag = "membership-edge";

enum class Flow;
struct Context;
Result<Flow> forward(Context& ctx);  // asks for the fetch, or first the host's signature (Flow::wait)
Result<Flow> after_forward(Context& ctx, EffectId fetch);  // the origin's answer, or 502/504

}  // namespace mb
