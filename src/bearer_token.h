// A bearer credential as step 2 reads it: its kind and mode, and for a JWT its header and payload
// read by type but not verified (credential_form.h reads it; verify_credential.h checks it).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mode.h"

namespace mb {

enum class CredentialKind { jwt, secret_key, publishable_key };

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

}  // namespace mb
