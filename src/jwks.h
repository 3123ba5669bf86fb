// JSON Web Key Sets: the public keys RS256/ES256 tokens are checked against.
#pragma once
#include <string>
#include <vector>

#include "strict_json.h"

namespace mb {

enum class KeyType { rsa, ec_p256 };

struct PublicKey {
  std::string kid;  // may be empty
  KeyType type = KeyType::rsa;
  std::string n, e;   // RSA, big-endian
  std::string point;  // EC, 0x04||x||y
};

struct KeySet {
  std::vector<PublicKey> keys;
  std::vector<std::string> ignored;  // one log line per key left out, saying why
};

inline constexpr std::size_t kMaxJwksBytes = 64 * 1024;
inline constexpr std::size_t kMaxJwksKeys = 32;

// Accepts {"keys":[...]} ; false when the text is not a JWKS at all.
bool parse_jwks_text(std::string_view text, KeySet& out);
bool parse_jwks(const Json& doc, KeySet& out);
// The same set as a JWKS document, for the KV cache.
Json jwks_to_json(const KeySet& set);

}  // namespace mb
