// How far each stage that waits on effects has got: one state type per stage, kept in the Context
// between rounds (a stage runs again with the outcomes of what it asked for).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "forward_draft.h"

namespace mb {

using EffectId = std::uint32_t;

// Step 4, a JWT: its remote key set (JWT_JWKS_URL) and the host's signature checks.
struct JwtProgress {
  enum class RemoteKeys : std::uint8_t {
    unread,     // nothing read or fetched by this request
    copy_read,  // the KV copy was read
    fetching,   // `fetch` asked for the provider's set
    fetched,    // its outcome was taken into the isolate's key set
  };
  RemoteKeys remote = RemoteKeys::unread;
  EffectId fetch = 0;                   // fetching, fetched
  std::vector<EffectId> verifications;  // the host's checks, one per candidate key, once asked
};

// Step 5: the rate-limiting binding's verdict, once asked.
struct RateLimitProgress {
  enum class Binding : std::uint8_t { unasked, asked } binding = Binding::unasked;
  EffectId check = 0;  // asked
};

// Step 7, an Idempotency-Key: its claim, and whether the answer's record is settled.
struct IdempotencyProgress {
  enum class Key : std::uint8_t {
    unclaimed,  // no claim made (no key, no write authority, or not there yet)
    claiming,   // `claim` asked (kv_claim)
    claimed,    // this request holds the key's pending marker
    settled,    // the answer's record is stored or released, or the answer is a replay
  };
  Key key = Key::unclaimed;
  EffectId claim = 0;  // claiming, and after
};

// Step 7, the store.
struct StoreProgress {
  enum class Step : std::uint8_t {
    start,      // nothing asked yet
    signing,    // the forward (`draft`) waits on the host's signature
    forwarded,  // `effect` is the forward's fetch
    writing,    // `effect` writes the new membership (`membership_id`); `body` is the 201 waiting on it
  };
  Step step = Step::start;
  EffectId effect = 0;
  ForwardDraft draft;
  std::string membership_id, body;
};

}  // namespace mb
