// Bearer credentials (SPEC §3, step 2 of the order of checks): reading the header, classifying
// the token, and the checks that need neither storage nor a signature.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "mode.h"
#include "result.h"

namespace mb {

enum class CredentialKind { jwt, secret_key, publishable_key };
std::string_view kind_name(CredentialKind k);

// A NumericDate claim as sent: absent, of the wrong type, or whole seconds (clamped to
// ±kMaxNumericDate so that no later arithmetic can overflow).
inline constexpr std::int64_t kMaxNumericDate = 1'000'000'000'000'000;  // about 31.7 million years
struct TimeClaim {
  bool present = false, valid = false;
  std::int64_t seconds = 0;
};

// What a JWT's payload says, read but not verified.
struct JwtPayload {
  TimeClaim exp, nbf, iat;
  std::optional<std::string> iss, sub, scope;
  bool sub_present = false;
  std::vector<std::string> aud;  // a string aud, or the strings of an array aud
  std::optional<bool> livemode;
  bool livemode_bad = false;
  bool has_account_ids = false, account_ids_bad = false;
  std::vector<std::string> account_ids, permissions;
};

struct Jwt {
  std::string alg, kid;
  std::optional<std::string> typ;  // absent, or a string (any other type is kept as "")
  bool alg_is_string = false, kid_bad = false, has_crit = false;
  bool well_formed = false;   // every segment base64url, header and payload JSON objects
  std::string signing_input;  // header.payload, as sent
  std::string signature;      // decoded bytes
  std::string payload_text;   // the decoded payload (what the browser preview shows)
  JwtPayload payload;
};

struct Credential {
  CredentialKind kind = CredentialKind::secret_key;
  std::string token;
  Mode mode = Mode::live;    // from the token: `_test_` in a key, `livemode` in a JWT payload
  Jwt jwt;                   // kind == jwt, unless from_cache
  std::string token_sha256;  // lowercase hex SHA-256 of `token` (API-key KV key, token cache)
  bool from_cache = false;   // a JWT verified before (the verified-token cache): not decoded again
};

// The token of `Authorization: Bearer <token>` (scheme case-insensitive): 401 when missing,
// repeated, of another scheme, or holding characters no credential has.
Result<std::string_view> read_bearer(const Headers& headers);

// Classification (SPEC §3): a JWT when it has three base64url segments and the first decodes to
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
