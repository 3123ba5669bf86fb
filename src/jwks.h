// JSON Web Key Sets: the public keys RS256/ES256 tokens are checked against (inline JWT_JWKS, or
// JWT_JWKS_URL's answer and its KV copy). RSA keys of 2048-4096 bits and EC P-256 keys only; any
// other key is left out with a log line saying why.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mb {

enum class JwkType { rsa, ec_p256 };

struct PublicKey {
  std::string kid;  // may be empty
  JwkType type = JwkType::rsa;
  std::string n, e;   // RSA, big-endian
  std::string point;  // EC, 0x04||x||y
  std::string jwk;    // the key as a minimal public JWK (what a host's WebCrypto imports)
};

struct KeySet {
  std::vector<PublicKey> keys;
  std::vector<std::string> ignored;  // one log line per key left out, saying why
};

inline constexpr std::size_t kMaxJwksBytes = 64 * 1024;
inline constexpr std::size_t kMaxJwksKeys = 32;

struct JwksDocument {
  KeySet keys;
  std::optional<std::int64_t> fetched_at;  // the KV copy's "fetched_at" (unix seconds)
};

// {"keys":[...]} (and, in the KV copy, "fetched_at"); nullopt when the text is not a JWKS at all.
std::optional<JwksDocument> read_jwks(std::string_view text);
// The KV copy: {"fetched_at":t,"keys":[minimal JWKs]}.
std::string write_jwks_copy(const KeySet& set, std::int64_t fetched_at);

}  // namespace mb
