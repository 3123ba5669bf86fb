// JWT verification after the shape checks: signature (BearSSL), then claims (SPEC §3).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "credential.h"
#include "errors.h"

namespace mb {

// What the edge keeps of a verified token (also what the verified-token cache holds).
struct JwtClaims {
  std::string sub;
  bool has_account_ids = false;
  std::vector<std::string> account_ids;
  bool livemode = true;
  bool has_required_scope = true;
  std::int64_t exp = 0;
  std::optional<std::int64_t> nbf, iat;
};

// Keys that may have signed this token: same kid (when the token names one) and a type that
// matches alg, so an RS256 key is never used as an HS256 secret.
std::vector<const PublicKey*> candidate_keys(const KeySet& keys, const JwtParts& jwt);

// Signature over the signing input. HS256 uses cfg.jwt_hs256_secret; RS256/ES256 the candidates.
bool signature_valid(const JwtParts& jwt, const Config& cfg, const std::vector<const PublicKey*>& keys);

// exp (required), nbf and iat as whole seconds; also what the browser preview reads, unverified.
std::optional<Error> read_times(const Json& payload, JwtClaims& claims);
// Static claim checks (iss, aud, sub, exp present, types); fills claims.
std::optional<Error> read_claims(const Json& payload, const Config& cfg, JwtClaims& claims);
// Time checks, run on every request (also for cached tokens).
std::optional<Error> check_times(const JwtClaims& claims, std::int64_t now_s, std::int64_t leeway_s);

}  // namespace mb
