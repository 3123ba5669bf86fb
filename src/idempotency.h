// Idempotency-Key: a replay is answered only after steps 1-6 passed for the request as it is now,
// so revoking a key or narrowing its grant stops its replays. What is stored is one policy
// (storable): answers decided at step 7 — 2xx, and 404/409/422 from the edge or the origin, 403
// and 5xx passed through from the origin — never 429, never an edge 5xx, never a refusal of steps
// 1-6 (those are decided afresh on every request). Stored under the credential id, with a
// fingerprint of the normalized request and the account, for 24 hours.
//
// With a write authority the key is claimed before any storage or forwarding work: a pending
// marker created only if absent (kv_claim) on the authority named after the record's own key, so
// that one request runs per key whatever account it names. Others get the answer once stored,
// 40902 for another request, or 40903 (Retry-After: 1) while it runs. The answer replaces the
// marker; an answer that is not stored releases it (kv_release) so that a retry can run; a marker
// left behind (a crash) expires after the attempt's bound (kClaimMarginMs past ORIGIN_TIMEOUT_MS
// when the request may be forwarded, else kClaimMarginMs) and then counts as absent.
#pragma once
#include <cstdint>
#include <string>

#include "result.h"

namespace mb {

inline constexpr std::uint32_t kIdempotencyTtlSeconds = 24 * 3600;
inline constexpr std::uint32_t kClaimMarginMs = 10000;

struct NormalizedRequest;
std::string fingerprint(const NormalizedRequest& req);

struct Context;
// The id of a membership created under an Idempotency-Key: derived from the mode, the credential
// id, the key and the fingerprint, so that concurrent retries of one request build the same
// membership and, through the write authority, recognise the one that won as their own.
std::string membership_id(const Context& ctx);

enum class AnswerSource;
bool storable(int status, AnswerSource source);

enum class Flow;
// Step 7, first: the stored answer (Idempotent-Replayed: true), 409 for another request under the
// same key or while one runs, or on to storage once the key is claimed.
Result<Flow> run_idempotency(Context& ctx);
// Asks for the record in the batch being sent, once the credential id is known.
void prefetch_idempotency(Context& ctx);
// How the answer settles the request's key, sent with the answer: the kv_put keeping
// `status`/`body` when the policy stores it (replacing the claim), else the kv_release of the
// claim this request holds.
void settle_idempotency_key(Context& ctx, int status, const std::string& body, AnswerSource source);

}  // namespace mb
