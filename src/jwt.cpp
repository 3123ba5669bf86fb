#include "jwt.h"

#include <cmath>

#include "crypto.h"

namespace mb {

std::vector<const PublicKey*> candidate_keys(const KeySet& keys, const JwtParts& jwt) {
  std::vector<const PublicKey*> out;
  KeyType want = jwt.alg == "ES256" ? KeyType::ec_p256 : KeyType::rsa;
  if (jwt.alg != "RS256" && jwt.alg != "ES256") return out;
  for (const PublicKey& k : keys.keys)
    if (k.type == want && (jwt.kid.empty() || k.kid == jwt.kid)) out.push_back(&k);
  return out;
}

bool signature_valid(const JwtParts& jwt, const Config& cfg, const std::vector<const PublicKey*>& keys) {
  if (jwt.alg == "HS256") {
    if (cfg.jwt_hs256_secret.empty()) return false;
    Sha256 mac = hmac_sha256(cfg.jwt_hs256_secret, jwt.signing_input);
    return constant_time_equal(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()), jwt.signature);
  }
  for (const PublicKey* k : keys) {
    bool ok = k->type == KeyType::rsa ? rsa_pkcs1_sha256_verify(k->n, k->e, jwt.signing_input, jwt.signature)
                                      : ecdsa_p256_sha256_verify(k->point, jwt.signing_input, jwt.signature);
    if (ok) return true;
  }
  return false;
}

// NumericDate: a JSON number of seconds (fractions allowed, truncated).
static std::optional<std::int64_t> numeric_date(const Json& v) {
  if (v.is_number_integer()) return v.get_ref<const Json::number_integer_t&>();
  if (v.is_number_unsigned()) {
    auto u = v.get_ref<const Json::number_unsigned_t&>();
    return u > 4102444800000ull ? std::int64_t(4102444800000ll) : std::int64_t(u);
  }
  if (v.is_number_float()) {
    double d = v.get_ref<const Json::number_float_t&>();
    if (!std::isfinite(d) || d > 4e12 || d < -4e12) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<Error> read_times(const Json& p, JwtClaims& c) {
  auto exp = p.find("exp");
  if (exp == p.end()) return Error::jwt_missing_claim;
  auto exp_v = numeric_date(*exp);
  if (!exp_v) return Error::jwt_malformed;
  c.exp = *exp_v;
  for (auto [name, slot] : {std::pair{"nbf", &c.nbf}, std::pair{"iat", &c.iat}}) {
    if (auto it = p.find(name); it != p.end()) {
      auto t = numeric_date(*it);
      if (!t) return Error::jwt_malformed;
      *slot = *t;
    }
  }
  return std::nullopt;
}

std::optional<Error> read_claims(const Json& p, const Config& cfg, JwtClaims& c) {
  auto find = [&](const char* name) -> const Json* {
    auto it = p.find(name);
    return it == p.end() ? nullptr : &*it;
  };
  if (auto e = read_times(p, c)) return e;
  const Json* iss = find("iss");
  if (!iss || !iss->is_string() || *iss->get_ptr<const std::string*>() != cfg.jwt_issuer)
    return Error::jwt_wrong_issuer;
  const Json* aud = find("aud");
  bool aud_ok = false;
  if (aud && aud->is_string()) aud_ok = *aud->get_ptr<const std::string*>() == cfg.jwt_audience;
  if (aud && aud->is_array())
    for (const Json& a : *aud)
      aud_ok = aud_ok || (a.is_string() && *a.get_ptr<const std::string*>() == cfg.jwt_audience);
  if (!aud_ok) return Error::jwt_wrong_audience;
  const Json* sub = find("sub");
  if (!sub || !sub->is_string() || sub->get_ptr<const std::string*>()->empty() ||
      sub->get_ptr<const std::string*>()->size() > 256)
    return Error::jwt_missing_claim;
  c.sub = *sub->get_ptr<const std::string*>();
  if (const Json* lm = find("livemode")) {
    if (!lm->is_boolean()) return Error::jwt_malformed;
    c.livemode = lm->get_ref<const bool&>();
  }
  if (const Json* ids = find("account_ids")) {
    if (!ids->is_array()) return Error::jwt_malformed;
    c.has_account_ids = true;
    for (const Json& id : *ids) {
      if (!id.is_string()) return Error::jwt_malformed;
      c.account_ids.push_back(*id.get_ptr<const std::string*>());
    }
  }
  if (!cfg.jwt_required_scope.empty()) {
    c.has_required_scope = false;
    if (const Json* scope = find("scope"); scope && scope->is_string()) {
      std::string_view s = *scope->get_ptr<const std::string*>();
      while (!s.empty() && !c.has_required_scope) {
        std::size_t sp = s.find(' ');
        c.has_required_scope = s.substr(0, sp) == cfg.jwt_required_scope;
        if (sp == std::string_view::npos) break;
        s.remove_prefix(sp + 1);
      }
    }
    if (const Json* perms = find("permissions"); perms && perms->is_array())
      for (const Json& x : *perms)
        if (x.is_string() && *x.get_ptr<const std::string*>() == cfg.jwt_required_scope) c.has_required_scope = true;
  }
  return std::nullopt;
}

std::optional<Error> check_times(const JwtClaims& c, std::int64_t now, std::int64_t leeway) {
  if (c.exp + leeway <= now) return Error::jwt_expired;
  if (c.nbf && *c.nbf > now + leeway) return Error::jwt_not_yet_valid;
  if (c.iat && *c.iat > now + leeway) return Error::jwt_issued_in_future;
  return std::nullopt;
}

}  // namespace mb
