// Step 4 for a JWT: the verified-token cache, else key selection (inline JWT_JWKS, or the remote
// set of JWT_JWKS_URL through jwks_source.h), the signature (BearSSL in the core, or the host's
// WebCrypto through verify_signature effects, BearSSL again if the host refuses a key), then the
// claims; the time checks run on every request.
#pragma once
#include "result.h"

namespace mb {

enum class Flow;
struct Context;
Result<Flow> verify_jwt(Context& ctx);

}  // namespace mb
