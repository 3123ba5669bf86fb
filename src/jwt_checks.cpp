#include "jwt_checks.h"

#include <algorithm>

#include "authorization.h"
#include "crypto.h"
#include "json_reader.h"

namespace mb {

std::vector<const PublicKey*> candidate_keys(const KeySet& keys, const Jwt& jwt) {
  std::vector<const PublicKey*> out;
  if (jwt.alg != "RS256" && jwt.alg != "ES256") return out;
  JwkType want = jwt.alg == "ES256" ? JwkType::ec_p256 : JwkType::rsa;
  for (const PublicKey& k : keys.keys)
    if (k.type == want && (jwt.kid.empty() || k.kid == jwt.kid)) out.push_back(&k);
  return out;
}

bool signature_valid(const Jwt& jwt, const Config& cfg, const std::vector<const PublicKey*>& keys) {
  if (jwt.alg == "HS256") {
    if (cfg.jwt_hs256_secret.empty()) return false;
    Sha256 mac = hmac_sha256(cfg.jwt_hs256_secret, jwt.signing_input);
    return constant_time_equal(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()), jwt.signature);
  }
  for (const PublicKey* k : keys) {
    bool ok = k->type == JwkType::rsa ? rsa_pkcs1_sha256_verify(k->n, k->e, jwt.signing_input, jwt.signature)
                                      : ecdsa_p256_sha256_verify(k->point, jwt.signing_input, jwt.signature);
    if (ok) return true;
  }
  return false;
}

Result<JwtClaims> read_times(const JwtPayload& p) {
  JwtClaims c;
  if (!p.exp.present) return Error::jwt_missing_claim;
  if (!p.exp.valid) return Error::jwt_malformed;
  c.exp = p.exp.seconds;
  for (auto [claim, slot] : {std::pair{&p.nbf, &c.nbf}, std::pair{&p.iat, &c.iat}}) {
    if (!claim->present) continue;
    if (!claim->valid) return Error::jwt_malformed;
    *slot = claim->seconds;
  }
  return c;
}

Result<JwtClaims> read_claims(const JwtPayload& p, const Config& cfg) {
  MB_ASSIGN_OR_RETURN(JwtClaims c, read_times(p));
  if (!p.iss || *p.iss != cfg.jwt_issuer) return Error::jwt_wrong_issuer;
  if (std::find(p.aud.begin(), p.aud.end(), cfg.jwt_audience) == p.aud.end()) return Error::jwt_wrong_audience;
  if (!p.sub || p.sub->empty() || json::code_points(*p.sub) > kMaxSubCodePoints) return Error::jwt_missing_claim;
  c.sub = *p.sub;
  c.iss = *p.iss;
  if (cfg.jwt_max_lifetime_seconds > 0) {  // a token without iat has no lifetime to bound
    if (!c.iat) return Error::jwt_missing_claim;
    if (c.exp - *c.iat > cfg.jwt_max_lifetime_seconds) return Error::jwt_lifetime_too_long;  // ±1e15: no overflow
  }
  if (p.livemode_bad || p.account_ids_bad) return Error::jwt_malformed;
  c.livemode = p.livemode.value_or(true);
  MB_TRY(check_account_list(p.account_ids));
  c.has_account_ids = p.has_account_ids;
  c.account_ids = p.account_ids;
  if (!cfg.jwt_required_scope.empty()) {
    c.has_required_scope =
        std::find(p.permissions.begin(), p.permissions.end(), cfg.jwt_required_scope) != p.permissions.end();
    std::string_view s = p.scope ? std::string_view(*p.scope) : std::string_view();
    while (!s.empty() && !c.has_required_scope) {
      std::size_t sp = s.find(' ');
      c.has_required_scope = s.substr(0, sp) == cfg.jwt_required_scope;
      if (sp == std::string_view::npos) break;
      s.remove_prefix(sp + 1);
    }
  }
  return c;
}

Result<std::optional<RateLimitOverride>> read_rate_limit_claim(std::string_view payload_json, std::string_view claim) {
  struct ClaimReader final : json::Visitor {
    std::string_view name;
    RateLimitObject object;
    void value(const json::Path& p, json::Value& v) override {
      if (!p.empty() && !p[0].in_array && p[0].key == name) object.value(p, 1, v);
    }
  };
  std::optional<RateLimitOverride> out;
  if (claim.empty()) return out;
  ClaimReader r;
  r.name = claim;
  if (json::read(payload_json, r) != json::Fault::none || !r.object.finish(out)) return Error::jwt_malformed;
  return out;
}

Status check_times(const JwtClaims& c, std::int64_t now, std::int64_t leeway) {
  // Every value is within ±kMaxNumericDate and leeway within an hour: no overflow.
  if (c.exp + leeway <= now) return Error::jwt_expired;
  if (c.nbf && *c.nbf > now + leeway) return Error::jwt_not_yet_valid;
  if (c.iat && *c.iat > now + leeway) return Error::jwt_issued_in_future;
  return {};
}

}  // namespace mb
