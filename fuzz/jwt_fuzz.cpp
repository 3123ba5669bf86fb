// libFuzzer target: everything that reads a token or a key set before trusting it — bearer
// parsing and classification, JWT decoding, JWKS parsing, claim reading, signature checks.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config.h"
#include "credential_form.h"
#include "crypto.h"
#include "jwks.h"
#include "jwt_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mb::Config cfg = mb::parse_config({
      {"JWT_ISSUER", "https://auth.example.com/"},
      {"JWT_AUDIENCE", "memberships-api"},
      {"JWT_HS256_SECRET", "0123456789abcdef0123456789abcdef"},
      {"JWT_REQUIRED_SCOPE", "memberships:write"},
      {"JWT_JWKS",
       R"({"keys":[{"kty":"EC","crv":"P-256","kid":"ec-1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})"},
  });
  std::string text(reinterpret_cast<const char*>(data), size);

  mb::Headers headers{{"Authorization", "Bearer " + text}};
  mb::Result<std::string_view> token = mb::read_bearer(headers);
  if (token.ok()) {
    mb::Result<mb::Credential> cred = mb::classify(token.value());
    if (cred.ok() && cred.value().kind == mb::CredentialKind::jwt && mb::check_form(cred.value(), cfg).ok()) {
      const mb::Jwt& jwt = cred.value().jwt;
      auto keys = mb::candidate_keys(cfg.jwt_jwks, jwt);
      if (mb::signature_valid(jwt, cfg, keys) && jwt.alg != "HS256") std::abort();  // no fuzzed EC signature verifies
      mb::Result<mb::JwtClaims> claims = mb::read_claims(jwt.payload, cfg);
      if (claims.ok()) {
        const mb::JwtClaims& c = claims.value();
        if (c.exp > mb::kMaxNumericDate || c.exp < -mb::kMaxNumericDate) std::abort();
        (void)mb::check_times(c, 1795835220, cfg.jwt_leeway_seconds);  // UBSan watches the arithmetic
      }
    }
  }

  if (std::optional<mb::JwksDocument> doc = mb::read_jwks(text)) {
    if (doc->keys.keys.size() > mb::kMaxJwksKeys) std::abort();
    for (const mb::PublicKey& k : doc->keys.keys) {
      if (k.type == mb::JwkType::rsa && (mb::modulus_bits(k.n) < 2048 || mb::modulus_bits(k.n) > 4096)) std::abort();
      if (!mb::read_jwks("{\"keys\":[" + k.jwk + "]}")) std::abort();  // the JWK handed to hosts reads back
      (void)mb::rsa_pkcs1_sha256_verify(k.n, k.e, text, std::string(k.n.size(), '\1'));
    }
  }
  if (auto decoded = mb::base64url_decode(text)) {
    if (mb::base64url_encode(*decoded) != text) std::abort();  // one spelling per value
  }
  return 0;
}
