// What the stages of one exchange share: the request, what each stage found, each waiting stage's
// progress, and the answer; and the narrow door to the exchange's effects (read, want, ask,
// outcome, put, respond). The effects themselves are the Exchange's (effect_ledger.h); the
// per-isolate state every exchange uses is the Engine (engine.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "answer.h"
#include "bearer_token.h"
#include "checked_request.h"
#include "effect_ledger.h"
#include "engine.h"
#include "grant.h"
#include "request_keys.h"
#include "result.h"
#include "stage_progress.h"
#include "trace_context.h"

namespace mb {

// What a stage tells the exchange: go on, wait for the effects it asked for (it runs again with
// their outcomes), or the answer is decided.
enum class Flow { next, wait, answer };
using StageResult = Result<Flow>;

// A read of this exchange: pending (it goes into the next batch), absent, or the record.
template <class T>
struct Lookup {
  bool pending = true;
  std::shared_ptr<const T> value;     // null: absent
  const std::string* text = nullptr;  // the stored text, when read by this exchange (not a cache's)
};

template <class T>
using RecordReader = Result<T> (*)(std::string_view text, std::string_view key);

// A KV write, in the batch the stage waits on or sent with the answer (fire-and-forget).
enum class Sent { now, with_answer };
// With a write authority, a record that has one (`scope`) is created only if absent (kept), or
// replaces what is there (replaced: the answer over its Idempotency-Key claim). Else a plain put.
enum class Existing { kept, replaced };

class Context {
 public:
  Context(Engine& e, EffectLedger& ledger) : engine(e), cfg(e.config()), ledger_(ledger) {}
  Engine& engine;
  const Config& cfg;

  Request req;
  std::int64_t now_ms = 0;
  std::string request_id;
  std::optional<TraceContext> trace;  // a valid traceparent (begin)

  // What the stages found, in the order they run.
  Credential cred;                          // step 2
  std::optional<JwtClaims> jwt_claims;      // step 2 (the token cache) or 4: a JWT's verified claims
  CheckedRequest checked;                   // step 3
  std::optional<Grant> grant;               // step 4
  std::vector<RateLimitField> rate_fields;  // step 5: what the RateLimit fields of the answer say
  RequestKeys keys;

  // The progress of the stages that wait on effects.
  JwtProgress jwt;                  // step 4
  RateLimitProgress rate_limit;     // step 5
  IdempotencyProgress idempotency;  // step 7
  StoreProgress store;              // step 7

  bool preflight = false;  // the answer is a preflight's (its own CORS headers)
  std::optional<Answer> answer;
  LogRecord log;
  std::vector<std::string> notices;

  const NormalizedRequest& request() const { return checked.request; }
  Mode mode() const { return grant ? grant->mode : cred.mode; }
  // Live creates go to the origin under ROUTING=auto (after a miss at the edge) and origin.
  bool auto_live() const { return cfg.routing == Routing::auto_ && mode() == Mode::live; }
  // The API key record's KV key (apikey:<sha256 of the token>), built once per request.
  const std::string& api_key_key();

  // The answer, decided by a stage.
  Flow respond(int status, std::string body, Headers headers = {}, AnswerSource source = AnswerSource::edge);

  // Effects: asked now (in the batch handed to the host when the stage waits) or sent with the
  // answer; the outcome of one asked now once the host answered it (null before).
  Effect& ask(EffectKind kind, Sent when = Sent::now);
  const Outcome* outcome(EffectId id) const { return ledger_.outcome(id); }
  Effect& put(Sent when, Mode store, std::string key, std::string value, std::uint32_t ttl_seconds,
              const std::string& scope = {}, Existing existing = Existing::kept);

  // Reads: a record of this exchange, decoded by `reader`; rarely-changing records also come from
  // (and go to) the isolate's cache. scope: the record's write authority (kv::authority) for
  // membership and idempotency records: the host may answer such reads from a replica that lags.
  template <class T>
  Result<Lookup<T>> read(Mode store, const std::string& key, RecordReader<T> reader, const std::string& scope = {});
  // Asks for a read in the next batch (prefetch); its value is looked at only by later stages.
  void want(Mode store, const std::string& key, const std::string& scope = {});

  std::string random_base62(std::size_t n);  // ids and nonces from the host's randomness
  std::string random_bytes(std::size_t n);

 private:
  friend class Exchange;  // hands in the randomness and draws the request id from it
  // The isolate's cache of rarely-changing records: an entry still fresh, or null; an entry kept.
  const Engine::RecordEntry* cached(const Slot& slot) const;
  void cache(const Slot& slot, Engine::CachedRecord record);
  template <class T>
  Result<std::shared_ptr<const T>> decode(const Slot& slot, const std::string& text, RecordReader<T> reader);

  EffectLedger& ledger_;
  std::string random_;
  std::size_t random_used_ = 0;
};

}  // namespace mb

#include "context_read.h"  // the read template
