// What the stages of one exchange share: the request, what each stage found, this exchange's KV
// reads, the effects asked for and their outcomes, and the answer. The per-isolate state every
// exchange uses (configuration and caches) is the Engine.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "config.h"
#include "credential.h"
#include "effects.h"
#include "jwks_source.h"
#include "jwt.h"
#include "kv_layout.h"
#include "origin.h"
#include "rate_limit.h"
#include "records.h"
#include "request_checks.h"
#include "result.h"
#include "trace_context.h"

namespace mb {

// What a stage tells the exchange: go on to the next stage, wait for the effects it asked for
// (the same stage runs again with their outcomes), or the answer is decided.
enum class Flow { next, wait, answer };
using StageResult = Result<Flow>;

// Per isolate: configuration and caches, shared by every exchange.
class Engine {
 public:
  explicit Engine(const Vars& vars) : config_(parse_config(vars)) {}
  const Config& config() const { return config_; }

  // Decoded records are shared, never copied per request.
  using CachedRecord =
      std::variant<std::shared_ptr<const ApiKeyRecord>, std::shared_ptr<const AccountRecord>,
                   std::shared_ptr<const WorkspaceMembershipRecord>, std::shared_ptr<const UserRecord>>;
  struct RecordEntry {
    CachedRecord record;
    std::int64_t expires_ms;
  };
  struct TokenEntry {
    JwtClaims claims;
    std::int64_t expires_ms;
  };
  std::unordered_map<std::string, RecordEntry> records;  // "store\nkey": records that rarely change
  // Membership records decoded, by their exact text: a replay reads the same text again, and
  // decoding is a pure function of it (the record's own freshness is KV's, not this map's).
  std::unordered_map<std::string, std::shared_ptr<const MembershipRecord>> memberships_by_text;
  std::unordered_map<std::string, TokenEntry> tokens;  // sha256(token) of verified JWTs
  RateBuckets buckets;                                 // per credential (and account), per isolate
  JwksSource remote_keys;                              // JWT_JWKS_URL
  bool config_notices_logged = false;

 private:
  Config config_;
};

inline constexpr std::size_t kMaxCacheEntries = 10000;

// What the verified credential allows (step 4), checked at step 6.
struct Grant {
  std::string credential_id;  // the API key record's id, or "jwt:" + sub
  Mode mode = Mode::live;
  bool has_account_list = true;  // false: a JWT without account_ids (only the origin can authorize it)
  std::vector<std::string> account_ids;
  bool has_required_scope = true;
  std::optional<RateLimitOverride> rate_limit;  // the key record's or the token's own limit
};

struct LogRecord {
  std::string request_id, credential_id, mode;
  std::string route = "none";  // edge | origin | none
  int status = 0, code = 0;
  bool replayed = false;
  std::string trace_id;  // a valid traceparent's trace-id (W3C Trace Context)
};

enum class AnswerSource { edge, origin };

struct Answer {
  int status = 0;
  std::string body;
  Headers headers;
  AnswerSource source = AnswerSource::edge;
  std::string_view content_type = "application/json";
  std::string envelope;  // problem details: the same error as an envelope (what a replay repeats)
};

// A read of this exchange: pending (it goes into the next batch), absent, or the record.
template <class T>
struct Lookup {
  bool pending = true;
  std::shared_ptr<const T> value;  // null: absent
};

template <class T>
using RecordReader = Result<T> (*)(std::string_view text, std::string_view key);

// The KV keys of one request, built once (kv_layout.h) and used by the stage and by the prefetch.
struct RequestKeys {
  std::string api_key;      // apikey:<sha256>
  std::string idempotency;  // once the credential id is known
  bool storage_built = false;
  std::string account, subject, invite, authority;  // subject: workspace membership or user by email;
                                                    // invite: the email membership key of an invite
};

struct Context {
  explicit Context(Engine& e) : engine(e), cfg(e.config()) {}
  Engine& engine;
  const Config& cfg;

  Request req;
  std::int64_t now_ms = 0;
  std::string request_id;

  // What the stages found, in the order they run.
  Credential cred;                          // step 2
  CheckedRequest checked;                   // step 3
  std::optional<Grant> grant;               // step 4
  std::vector<RateLimitField> rate_fields;  // step 5: what the RateLimit fields of the answer say
  RequestKeys keys;
  std::optional<TraceContext> trace;  // a valid traceparent (begin)
  bool idempotency_recorded = false;  // the answer's record is settled (stored, released, or a replay)
  bool idempotency_claimed = false;   // this request holds the Idempotency-Key's pending marker
  bool preflight = false;             // the answer is a preflight's (its own CORS headers)

  // Effects a stage asked for, by id (0: not asked yet). The stage runs again with the outcome.
  std::uint32_t rate_limit_effect = 0, forward_effect = 0, jwks_fetch_effect = 0, claim_effect = 0;
  std::vector<std::uint32_t> verify_effects;  // one per candidate key
  std::vector<std::uint32_t> write_effects;   // the membership (first) and its idempotency record
  bool jwks_copy_read = false, jwks_fetch_done = false;
  std::string pending_body;                   // the 201 waiting on its write
  std::string pending_id;                     // the id of the membership being written
  std::optional<ForwardDraft> forward_draft;  // the forward waiting on the host's signature
  std::optional<JwtClaims> jwt_claims;        // a JWT's claims once verified (or from the token cache)

  std::optional<Answer> answer;
  LogRecord log;
  std::vector<std::string> notices;
  std::vector<Effect> background;  // fire-and-forget writes sent with the answer

  const NormalizedRequest& request() const { return checked.request; }
  Mode mode() const { return grant ? grant->mode : cred.mode; }
  // Live creates go to the origin under ROUTING=auto (after a miss at the edge) and origin.
  bool auto_live() const { return cfg.routing == Routing::auto_ && mode() == Mode::live; }

  // Answers decided by a stage.
  Flow respond(int status, std::string body, Headers headers = {}, AnswerSource source = AnswerSource::edge);

  // Effects: added to the batch handed to the host when the stage waits.
  Effect& add_effect(EffectKind kind);
  // The outcome of a non-read effect once the host answered it; null before.
  const Outcome* outcome(std::uint32_t id) const;
  // How a record is written: one with a write authority (`scope`: a membership or idempotency
  // record) is created only if absent when the host has an authority; anything else is a put.
  EffectKind put_kind(const std::string& scope) const;
  void put_background(Mode store, std::string key, std::string value, std::uint32_t ttl_seconds,
                      const std::string& scope = {});
  // The API key record's KV key (apikey:<sha256 of the token>), built once per request.
  const std::string& api_key_key();

  // Reads: a record of this exchange, decoded by `reader`; rarely-changing records also come from
  // (and go to) the isolate's cache.
  // scope: the record's write authority (kv::authority) for membership and idempotency records:
  // the host may answer such reads from a replica that lags (the kv_get:stale fault plays that).
  template <class T>
  Result<Lookup<T>> read(Mode store, const std::string& key, RecordReader<T> reader, const std::string& scope = {});
  // Asks for a read in the next batch (prefetch); its value is looked at only by later stages.
  void want(Mode store, const std::string& key, const std::string& scope = {});
  bool has_read(Mode store, const std::string& key) const;

  // Ids and nonces from the host's randomness.
  std::string random_base62(std::size_t n);
  std::string random_bytes(std::size_t n);

  // ---- the exchange's own bookkeeping (exchange.cpp) ----
  std::string random;
  std::size_t random_used = 0;
  std::vector<Effect> batch;
  std::map<std::uint32_t, std::string> reads_in_flight;  // effect id -> "store\nkey"
  std::map<std::uint32_t, Outcome> outcomes;             // non-read outcomes by effect id
  std::map<std::string, std::optional<std::string>> kv;  // "store\nkey" -> value read (nullopt: absent)
  std::map<std::string, std::string> kv_failed;          // "store\nkey" -> why the read failed
  std::vector<std::string> wanted;                       // "store\nkey" for the next batch
  std::map<std::string, std::string> read_scopes;        // "store\nkey" -> its write authority
  std::uint32_t next_id = 1;
};

std::string slot_of(Mode store, std::string_view key);

template <class T>
Result<Lookup<T>> Context::read(Mode store, const std::string& key, RecordReader<T> reader, const std::string& scope) {
  constexpr bool kCachedKind = std::is_constructible_v<Engine::CachedRecord, std::shared_ptr<const T>>;
  std::string slot = slot_of(store, key);
  bool cacheable = kCachedKind && cfg.record_cache_seconds > 0 && kv::rarely_changes(key);
  if constexpr (kCachedKind) {
    auto c = cacheable ? engine.records.find(slot) : engine.records.end();
    if (c != engine.records.end() && c->second.expires_ms > now_ms)
      if (auto* rec = std::get_if<std::shared_ptr<const T>>(&c->second.record)) return Lookup<T>{false, *rec};
  }
  if (auto failed = kv_failed.find(slot); failed != kv_failed.end())
    return problem(Error::storage_unavailable,
                   "kv_get " + std::string(key.substr(0, 120)) + " failed: " + failed->second);
  auto it = kv.find(slot);
  if (it == kv.end()) {
    want(store, key, scope);
    return Lookup<T>{};
  }
  if (!it->second) return Lookup<T>{false, nullptr};
  const std::string& text = *it->second;
  if constexpr (std::is_same_v<T, MembershipRecord>) {
    auto memo = engine.memberships_by_text.find(text);
    if (memo != engine.memberships_by_text.end()) return Lookup<T>{false, memo->second};
  }
  MB_ASSIGN_OR_RETURN(T decoded, reader(text, key));
  auto rec = std::make_shared<const T>(std::move(decoded));
  if constexpr (kCachedKind) {
    if (cacheable) {
      if (engine.records.size() >= kMaxCacheEntries) engine.records.clear();
      engine.records[slot] = {rec, now_ms + cfg.record_cache_seconds * 1000};
    }
  }
  if constexpr (std::is_same_v<T, MembershipRecord>) {
    if (engine.memberships_by_text.size() >= kMaxCacheEntries) engine.memberships_by_text.clear();
    engine.memberships_by_text.emplace(text, rec);
  }
  return Lookup<T>{false, std::move(rec)};
}

}  // namespace mb
