// Per isolate: the configuration and the caches every exchange shares (an Exchange is one request).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>

#include "config.h"
#include "jwks_source.h"
#include "jwt_claims.h"
#include "kv_slot.h"
#include "rate_limit_policy.h"
#include "records.h"

namespace mb {

// Every per-isolate map (records, tokens, rate buckets) is emptied when it holds this many.
inline constexpr std::size_t kMaxCacheEntries = 10000;

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
  std::unordered_map<Slot, RecordEntry, SlotHash> records;  // records that rarely change
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

}  // namespace mb
