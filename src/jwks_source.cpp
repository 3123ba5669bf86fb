#include "jwks_source.h"

namespace mb {

JwksSource::Next JwksSource::next(std::int64_t now_ms, std::int64_t cache_seconds, bool kid_known, bool copy_read) {
  bool fresh = fetched_at_s_ >= 0 && now_ms / 1000 - fetched_at_s_ < cache_seconds;
  if (fresh && kid_known) return Next::use_keys;
  if (!fresh && !copy_read) return Next::read_copy;
  if (within(last_failure_ms_, now_ms)) return Next::use_keys;  // the provider failed lately: don't wait on it
  if (fresh) {                                                  // an unknown kid
    if (within(last_kid_refetch_ms_, now_ms)) return Next::use_keys;
    last_kid_refetch_ms_ = now_ms;
  } else if (in_flight_ > 0 && within(last_start_ms_, now_ms) && has_keys()) {
    return Next::use_keys;  // another request is refreshing: serve the stale set meanwhile
  }
  ++in_flight_;
  last_start_ms_ = now_ms;
  return Next::fetch;
}

void JwksSource::copy_found(JwksDocument doc) {
  if (!doc.fetched_at || *doc.fetched_at <= fetched_at_s_) return;
  keys_ = std::move(doc.keys);
  fetched_at_s_ = *doc.fetched_at;
}

void JwksSource::fetch_succeeded(KeySet keys, std::int64_t now_ms) {
  if (in_flight_ > 0) --in_flight_;
  keys_ = std::move(keys);
  fetched_at_s_ = now_ms / 1000;
}

void JwksSource::fetch_failed(std::int64_t now_ms) {
  if (in_flight_ > 0) --in_flight_;
  last_failure_ms_ = now_ms;
}

}  // namespace mb
