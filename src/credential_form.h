// Bearer credentials (docs/api.md, step 2 of the order of checks): reading the header, classifying
// the token, and the checks that need neither storage nor a signature.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bearer_token.h"
#include "config.h"
#include "mode.h"
#include "result.h"

namespace mb {

std::string_view kind_name(CredentialKind k);

// The token of `Authorization: Bearer <token>` (scheme case-insensitive): 401 when missing,
// repeated, of another scheme, or holding characters no credential has.
Result<std::string_view> read_bearer(const Headers& headers);

// Classification (docs/api.md): a JWT when it has three base64url segments and the first decodes to
// a JSON object; else `sk_`, then `pk_`, within the first 32 characters; else 401.
Result<Credential> classify(std::string_view token);

// The rest of step 2: JWT authentication configured, the JWT well-formed, its alg accepted, no
// `crit` header and the typ JWT_REQUIRED_TYP names, when set (401); a publishable key is refused
// here (403) whatever the request.
Status check_form(const Credential& c, const Config& cfg);

// WWW-Authenticate of an edge refusal (RFC 6750 §3): a 401 for a credential that was presented
// but is not valid says error="invalid_token" and why; a missing credential only names the scheme;
// a 403 for a token without JWT_REQUIRED_SCOPE says error="insufficient_scope" and the scope.
std::optional<std::string> bearer_challenge(Error e, const Config& cfg);

enum class Flow;
struct Context;
// Step 2 as a stage: a JWT the verified-token cache holds is classified from the cache, without
// being decoded again.
Result<Flow> run_credential_form(Context& ctx);

}  // namespace mb
