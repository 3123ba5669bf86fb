// Bearer credentials (SPEC §3): reading the header, classifying the token, and the checks that
// need neither storage nor a signature (step 2 of the order of checks).
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "config.h"
#include "errors.h"
#include "http.h"
#include "strict_json.h"

namespace mb {

enum class CredentialKind { jwt, secret_key, publishable_key };
enum class Mode { test, live };
inline const char* mode_name(Mode m) { return m == Mode::test ? "test" : "live"; }
const char* kind_name(CredentialKind k);

struct JwtParts {
  std::string signing_input;  // header.payload, as sent
  std::string signature;      // decoded bytes
  Json header, payload;
  std::string alg, kid;
};

struct Credential {
  CredentialKind kind = CredentialKind::secret_key;
  std::string token;
  Mode mode = Mode::live;
  JwtParts jwt;              // kind == jwt
  std::string token_sha256;  // lowercase hex SHA-256 of `token` once computed (KV key, token cache)
  bool from_cache = false;   // a JWT classified by the verified-token cache: `jwt` is not filled
};

struct CredentialCheck {
  std::optional<Credential> credential;  // set when the token was classified
  std::optional<Error> error;            // the 401/403 of step 2
};

// The verified-token cache as step 2 sees it: given the hex SHA-256 of a token, the mode of a JWT
// verified before (and not yet expired from the cache), or nullopt. Such a token passed every
// step-2 check already under the same configuration, so it is classified without being decoded
// again.
using VerifiedTokens = std::function<std::optional<Mode>(const std::string& token_sha256)>;

// Reads `Authorization: Bearer <token>` and classifies the token; `error` is the step-2 answer
// (401 missing/malformed/JWT not configured/unsupported alg, 403 publishable key), if any.
CredentialCheck read_credential(const Headers& headers, const Config& cfg, const VerifiedTokens& verified = {});

// Does the token have the JWT shape (classification rule 1)? Fills parts when it does.
bool decode_jwt(std::string_view token, JwtParts& parts, bool& well_formed);

}  // namespace mb
