// Configuration from the worker's [vars] and secrets (or the WASI command's environment).
// Parsed once per instance; a bad value is kept as an error and answered as 500 on every request.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwks.h"
#include "signing_keys.h"

namespace mb {

using Vars = std::map<std::string, std::string>;

enum class Routing { edge, origin, auto_ };

struct Config {
  Routing routing = Routing::auto_;
  std::string origin_url;
  std::uint32_t origin_timeout_ms = 5000;
  std::string origin_shared_secret;                     // hmac-sha256 signature "edge-hmac"
  std::string origin_shared_secret_id = "edge-hmac";    // its keyid
  std::optional<EdgeSigningKey> origin_signing_key;     // ecdsa-p256-sha256 signature "edge"
  std::vector<EdgePublicKey> origin_signing_keys_next;  // published for rotation, never used to sign
  std::string signatures_directory;                     // the published JWKS; empty: no key (404)
  std::vector<std::string> forward_claims;              // JWT claims copied into X-Edge-Identity
  bool forward_authorization = true;                    // false: the client's Authorization stays here
  std::size_t max_body_bytes = 16384;

  std::string jwt_issuer, jwt_audience, jwt_jwks_url, jwt_hs256_secret, jwt_required_scope;
  KeySet jwt_jwks;  // inline JWT_JWKS
  bool jwt_jwks_inline = false;
  std::int64_t jwks_cache_seconds = 600;
  std::int64_t jwt_leeway_seconds = 60;
  std::int64_t jwt_max_lifetime_seconds = 0;  // 0: off; else exp - iat may not exceed it
  std::string jwt_required_typ;               // empty: off; else a media type, as typ_media_type() gives

  bool permissions_restricted = false;  // ALLOWED_PERMISSIONS set
  std::vector<std::string> allowed_permissions;

  std::int64_t rate_limit_per_minute = 600;        // 0: off
  std::int64_t rate_limiter_period = 0;            // >0: the host has a rate-limit binding with this period
  std::int64_t rate_limiter_limit = 600;           // that binding's limit per period (RATE_LIMIT_BINDING_LIMIT)
  std::int64_t rate_limit_account_per_minute = 0;  // 0: no per-account bucket
  std::string rate_limit_claim;                    // the JWT claim holding a per-token override
  bool rate_limit_fail_closed = false;             // RATE_LIMIT_FAILURE_MODE=closed: a failed limiter is 503
  bool host_verifies_signatures = false;           // the host has WebCrypto: it checks RS256/ES256 (verify
                                                   // effect) and signs forwards with ORIGIN_SIGNING_KEY (sign)
  bool host_write_authority = false;               // the host performs kv_put_if_absent (consistent creates)
  std::vector<std::string> cors_allowed_origins;
  bool cors_any_origin = false;
  std::int64_t record_cache_seconds = 30;
  std::string log_level = "info";

  std::string error;                 // first configuration error, naming the variable
  std::vector<std::string> notices;  // log lines from parsing (ignored JWKS keys, ...)

  bool jwt_enabled() const {
    return !jwt_issuer.empty() && !jwt_audience.empty() &&
           (jwt_jwks_inline || !jwt_jwks_url.empty() || !jwt_hs256_secret.empty());
  }
  bool accepts_alg(std::string_view alg) const;
};

Config parse_config(const Vars& vars);

// A JWT typ as the media type it names (RFC 7515 §4.1.9): "application/" prepended when it has no
// '/', lowercased, so "at+jwt", "AT+JWT" and "application/at+jwt" compare equal.
std::string typ_media_type(std::string_view typ);

// The worker hands its vars over as one JSON object of strings; nullopt when it is not one.
std::optional<Vars> read_vars(std::string_view json_text);

}  // namespace mb
