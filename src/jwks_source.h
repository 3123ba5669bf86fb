// The remote key set of JWT_JWKS_URL, kept per isolate (docs/api.md): fetched through the fetch
// effect and copied to KV; refreshed once older than JWKS_CACHE_SECONDS (the KV copy is read
// first: another isolate may have refreshed it), and refetched on an unknown kid at most once per
// kRefetchIntervalMs. A fetch that fails counts as an attempt: while the provider is down an
// isolate fetches at most once per interval, and the requests in between are answered from the
// last good keys without waiting on a fetch.
#pragma once
#include <cstdint>

#include "jwks.h"

namespace mb {

inline constexpr std::int64_t kRefetchIntervalMs = 60'000;

class JwksSource {
 public:
  enum class Next {
    use_keys,   // decide with keys() as they are (possibly stale, possibly without the kid)
    read_copy,  // read the KV copy first
    fetch,      // fetch the provider's set now (recorded as started)
  };
  // What a request should do. kid_known: keys() holds a candidate for the token;
  // copy_read: this request already read the KV copy.
  Next next(std::int64_t now_ms, std::int64_t cache_seconds, bool kid_known, bool copy_read);

  void copy_found(JwksDocument doc);                       // the KV copy, if newer than ours
  void fetch_succeeded(KeySet keys, std::int64_t now_ms);  // a fresh set from the provider
  void fetch_failed(std::int64_t now_ms);                  // keep the last good keys
  const KeySet& keys() const { return keys_; }
  bool has_keys() const { return fetched_at_s_ >= 0; }
  std::int64_t fetched_at_s() const { return fetched_at_s_; }

 private:
  static bool within(std::int64_t since_ms, std::int64_t now_ms) {
    return since_ms >= 0 && now_ms - since_ms < kRefetchIntervalMs;
  }
  KeySet keys_;
  std::int64_t fetched_at_s_ = -1;         // when the set we hold was fetched; -1: none
  std::int64_t last_failure_ms_ = -1;      // when a fetch last failed
  std::int64_t last_kid_refetch_ms_ = -1;  // when an unknown kid last caused a fetch
  int in_flight_ = 0;                      // fetches started and not answered (an abandoned one is
  std::int64_t last_start_ms_ = -1;        // forgotten after kRefetchIntervalMs)
};

}  // namespace mb
