// The one reader of JSON Web Keys as sent: the members this product looks at, before any check.
// The key sets tokens are checked against (jwks.h) and the edge's own signing keys
// (signing_keys.h) both read their text with it, then judge the members each in their own way.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_reader.h"

namespace mb {

// One JWK's members: the string ones this product reads (any other type leaves them unset).
struct JwkMembers {
  bool is_object = false;
  bool has_kid = false, kid_is_string = false;
  bool has_private = false;  // a private member (d, p, q, dp, dq, qi, oth, k), of any type
  std::optional<std::string> kty, alg, use, kid, n, e, crv, x, y, d;
};

struct JwkText {
  bool root_is_object = false;
  bool has_keys = false;                   // a set: "keys" is an array
  std::optional<std::int64_t> fetched_at;  // a set: the root's integer "fetched_at" (the KV copy of a JWKS)
  std::vector<JwkMembers> keys;            // a set: one per entry of "keys"; one JWK: itself, when an object
};

enum class JwkShape { one, set };  // one JWK at the root, or {"keys":[...]}
// nullopt when the text is not JSON (json_reader.h's faults, max_depth included).
std::optional<JwkText> read_jwk_text(std::string_view text, JwkShape shape, int max_depth = json::kMaxDepth);

}  // namespace mb
