// The checks of a JWT after its shape (step 4), as pure functions: which keys may have signed it,
// the signature (BearSSL here; a host's WebCrypto through the verify effect is verify_jwt.h's),
// the claims and the times. The stage that runs them in order is verify_jwt.h.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bearer_token.h"
#include "config.h"
#include "jwks.h"
#include "jwt_claims.h"
#include "result.h"

namespace mb {

inline constexpr std::size_t kMaxSubCodePoints = 256;

// Keys that may have signed this token: the token's kid (when it names one) and a type that
// matches alg, so an RSA key is never used as an HS256 secret nor an EC key for RS256.
std::vector<const PublicKey*> candidate_keys(const KeySet& keys, const Jwt& jwt);

// BearSSL: HS256 with cfg.jwt_hs256_secret (constant-time compare); RS256/ES256 with the candidates.
bool signature_valid(const Jwt& jwt, const Config& cfg, const std::vector<const PublicKey*>& keys);

// exp (required), nbf and iat (also what the browser preview reads, unverified).
Result<JwtClaims> read_times(const JwtPayload& p);
// Every claim check that does not depend on the time (iss, aud, sub, JWT_MAX_LIFETIME_SECONDS,
// types, the account list); fills the claims.
Result<JwtClaims> read_claims(const JwtPayload& p, const Config& cfg);
// The claim named `claim` (RATE_LIMIT_CLAIM; none when empty) of the payload's JSON text:
// {"limit":N,"period":S}, absent or null; any other shape is a malformed token.
Result<std::optional<RateLimitOverride>> read_rate_limit_claim(std::string_view payload_json, std::string_view claim);
// The time checks, run on every request (for cached tokens too).
Status check_times(const JwtClaims& c, std::int64_t now_s, std::int64_t leeway_s);

}  // namespace mb
