// The sans-IO core. A request goes in with the time and some randomness from the host; out comes
// a Step: either the response, or a batch of effects (KV get/put, fetch, rate-limit) for the host
// to perform, concurrently, before calling resume() with every outcome of the batch.
//
//   step = exchange.begin(request, input)
//   while (!step.done) step = exchange.resume(perform_all(step.effects), now)
//   send(step.response); perform_and_forget(step.background)
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config.h"
#include "credential.h"
#include "http.h"
#include "jwt.h"
#include "validation.h"

namespace mb {

struct Effect {
  enum class Kind { kv_get, kv_put, fetch, rate_limit };
  std::uint32_t id = 0;
  Kind kind = Kind::kv_get;
  std::string store;              // kv: "test" or "live" (the repository the key belongs to)
  std::string key;                // kv key; rate_limit: the credential id
  std::string value;              // kv_put
  std::uint32_t ttl_seconds = 0;  // kv_put; 0 = no expiry
  std::string method, url;        // fetch
  Headers headers;
  std::string body;
  std::uint32_t timeout_ms = 0;
};
const char* kind_name(Effect::Kind k);

struct Outcome {
  std::uint32_t id = 0;
  bool ok = true;
  std::string error;                 // when !ok: "timeout", "refused", "failed", ...
  std::optional<std::string> value;  // kv_get: nullopt when the key is absent (not an error)
  int status = 0;                    // fetch
  Headers headers;
  std::string body;
  bool allowed = true;  // rate_limit
};

struct LogRecord {
  std::string request_id, credential_id, mode;
  std::string route = "none";  // edge | origin | none
  int status = 0, code = 0;
  bool replayed = false;
};

struct Step {
  bool done = false;
  Response response;               // when done
  std::vector<Effect> effects;     // when !done: the batch to perform, then resume()
  std::vector<Effect> background;  // when done: fire-and-forget writes (caches), outcomes unused
  LogRecord log;
  std::vector<std::string> notices;  // log lines for the host (warnings, config errors)
};

struct HostInput {
  std::int64_t now_ms = 0;
  std::string random;  // at least 64 unpredictable bytes: ids are drawn from them
};

// Per-instance state shared by the exchanges of one isolate: configuration and caches.
class Engine {
 public:
  explicit Engine(const Vars& vars);
  const Config& config() const { return config_; }

  struct CachedRecord {
    std::string value;
    std::shared_ptr<const Json> parsed;  // null when the text is not a JSON object
    std::int64_t expires_ms;
  };
  struct CachedToken {
    JwtClaims claims;
    std::int64_t expires_ms;
  };
  struct Bucket {
    double tokens;
    std::int64_t updated_ms;
  };

  std::unordered_map<std::string, CachedRecord> records;  // "store\nkey" of rarely changing records
  std::unordered_map<std::string, CachedToken> tokens;    // sha256(token) of verified JWTs
  std::unordered_map<std::string, Bucket> buckets;        // rate limit per credential id
  KeySet remote_keys;                                     // JWT_JWKS_URL keys
  std::int64_t remote_keys_fetched_s = -1;                // provider's fetch time, -1: none
  std::int64_t remote_keys_refetch_ms = -1;               // last unknown-kid refetch
  bool config_notices_logged = false;

 private:
  Config config_;
};

// What the browser preview shows: everything decided without storage or a signature.
struct Preview {
  int status = 0;
  std::string body;       // the envelope the edge would answer, or empty when accepted
  bool accepted = false;  // passes every check that needs no storage
  bool credential_present = false;
  std::string credential_kind, credential_mode;  // "" when absent
  Json normalized;                               // the normalized body, when the request itself is valid
  Json jwt_claims;                               // decoded, NOT verified
};
Preview preview(const Request& req, const Config& cfg);

// GET /preview/config.json: the settings the browser preview needs to judge as the edge does.
std::string config_document(const Config& cfg);

class Exchange {
 public:
  explicit Exchange(Engine& engine) : engine_(engine), cfg_(engine.config()) {}
  Step begin(Request req, HostInput input);
  Step resume(const std::vector<Outcome>& outcomes, std::int64_t now_ms);

 private:
  struct Lookup {
    bool ready;
    const std::string* value;
  };
  enum class Phase { reading, fetching_keys, rate_limiting, writing, forwarding, done };

  Step advance();
  Step verify_api_key();
  Step verify_jwt();
  const std::string& token_sha256();
  Step answer_at_edge();
  Step forward();
  Step after_forward(const Outcome& o);
  Step after_write(const std::vector<Outcome>& outcomes);

  Lookup need(const std::string& store, const std::string& key);
  const Json* record(const std::string* text);
  void want(const std::string& store, const std::string& key) { need(store, key); }
  Step reads();
  Step need_effects(Phase phase);
  Effect& add_effect(Effect::Kind kind);

  Step respond(int status, std::string body, Headers extra = {});
  Step fail(Error e, Json details = Json::object(), Headers extra = {});
  // An answer decided after verification: stored under the Idempotency-Key when `storable`.
  Step finish(int status, std::string body, bool storable, Headers extra = {});
  Step finish(Error e, Json details = Json::object());
  Step after_key_fetch(const Outcome& o);
  void prefetch_storage();
  std::optional<std::string> membership_key_if_known();
  void put_background(const std::string& store, const std::string& key, std::string value, std::uint32_t ttl);
  std::string random_base62(std::size_t n);
  std::string store_name() const { return mode_name(mode_); }
  std::string fingerprint() const;

  Engine& engine_;
  const Config& cfg_;
  Request req_;
  std::int64_t now_ms_ = 0;
  std::string random_;
  std::size_t random_used_ = 0;

  Phase phase_ = Phase::reading;
  std::string request_id_, cors_origin_;
  bool cors_allowed_ = false;
  Credential cred_;
  JwtClaims cached_claims_;  // when cred_.from_cache: the verified-token cache's claims
  NormalizedRequest nreq_;
  std::string idempotency_key_;

  std::map<std::string, std::optional<std::string>> kv_;              // "store\nkey" -> value
  std::map<const std::string*, std::shared_ptr<const Json>> parsed_;  // kv_ value -> its JSON
  std::vector<std::string> wanted_;                                   // reads for the next batch
  std::map<std::uint32_t, std::string> in_flight_;                    // effect id -> "store\nkey"
  std::vector<Effect> effects_;
  std::uint32_t next_id_ = 1;
  std::vector<std::string> notices_;

  bool verified_ = false, rate_checked_ = false, idempotency_checked_ = false;
  Mode mode_ = Mode::live;
  std::string credential_id_;
  bool account_granted_ = false;  // by the key's or token's account list
  bool jwt_without_accounts_ = false;
  bool jwt_missing_scope_ = false;
  bool keys_fetch_attempted_ = false;
  std::vector<Effect> background_;
  std::string membership_key_;
  std::string pending_body_;  // answer waiting on a write
  int pending_status_ = 0;
  LogRecord log_;
};

}  // namespace mb
