// What the core asks a host to do, and what the host answers. Every effect carries an id; the
// host performs a batch concurrently and answers every id with an Outcome; the core matches
// outcomes to effects by id (a missing one counts as failed).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http.h"

namespace mb {

enum class EffectKind : std::uint8_t {
  kv_get,            // store, key -> value (absent is not a failure)
  kv_put,            // store, key, value, ttl_seconds; with a scope and a host authority: written there
                     // first (replacing what is there), then to KV
  fetch,             // method, url, headers, body, timeout_ms -> status, headers, body
  rate_limit,        // key (the credential id) -> allowed
  verify_signature,  // alg, jwk (public), signed_data, signature -> valid
  kv_put_if_absent,  // store, key, value, ttl_seconds, scope -> created, or the value already there
  sign,              // alg, jwk (private), signed_data -> signature
  kv_claim,          // as kv_put_if_absent, at the authority only (KV is not written): an Idempotency-Key's
                     // pending marker
  kv_release,        // store, key, scope: deletes the key at the authority (a claim given up)
};
std::string_view kind_name(EffectKind k);

// Why an effect failed. Carried as a number in the worker frames.
enum class Failure : std::uint8_t {
  none = 0,
  timeout = 1,  // fetch: no answer within timeout_ms
  refused = 2,  // fetch: connection refused or reset
  failed = 3,   // anything else the host saw go wrong (KV error, binding error, ...)
  missing = 4,  // the host answered no outcome for this id
};
std::string_view failure_name(Failure f);

struct Effect {
  std::uint32_t id = 0;
  EffectKind kind = EffectKind::kv_get;
  std::string store;              // kv_*: "test" or "live" (the repository the key belongs to)
  std::string scope;              // kv_* of a membership or idempotency record: its write authority
                                  // (the Durable Object's name in the worker): "<mode>:<account_id>"
                                  // for a membership, the idempotency record's own key for it
  std::string key;                // kv_*: the key; rate_limit: the credential id
  std::string value;              // kv_put: the value
  std::uint32_t ttl_seconds = 0;  // kv_put; 0 = no expiry
  std::string method, url;        // fetch
  Headers headers;                // fetch
  std::string body;               // fetch
  std::uint32_t timeout_ms = 0;   // fetch
  // verify_signature and sign: the core chose key and algorithm; the host only performs them.
  std::string alg;          // JWS name: "RS256", "ES256" (r||s signatures)
  std::string jwk;          // the key as a JWK: public to verify, private to sign
  std::string signed_data;  // the bytes signed (a JWS signing input, an RFC 9421 signature base)
  std::string signature;    // verify_signature: the signature bytes
};

struct Outcome {
  std::uint32_t id = 0;
  Failure failure = Failure::none;
  std::string detail;                // for the log when failed
  std::optional<std::string> value;  // kv_get: nullopt when absent
  int status = 0;                    // fetch
  Headers headers;                   // fetch
  std::string body;                  // fetch
  bool allowed = true;               // rate_limit
  bool valid = false;                // verify_signature
  std::string signature;             // sign: the signature bytes
  bool created = false;              // kv_put_if_absent, kv_claim: created (else `value` is what was there)
  bool ok() const { return failure == Failure::none; }
};

}  // namespace mb
