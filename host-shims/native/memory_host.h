// The native host: KV in memory (its map is also the write authority of kv_put_if_absent,
// kv_claim and kv_release), fetch
// through a callback, time and randomness under the test's control. It performs effects like the
// other hosts (through the shared driver loop, host-shims/common/drive.h) and records them, so
// tests can assert the sequence of effects, not just the answer.
#pragma once
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "drive.h"
#include "exchange.h"

namespace mb::native {

struct MemoryHost {
  struct Entry {
    std::string value;
    std::int64_t expires_ms = 0;
  };
  std::map<std::string, Entry> kv;  // "store\nkey"

  std::int64_t now_ms = 1795835220000;  // 2026-11-28T03:07:00Z
  std::uint64_t random_counter = 0;
  // Faults by the names of docs/configuration.md (kv_get:throw, kv_get:stale, kv_put:throw for puts and
  // puts-if-absent, fetch:throw, rate_limit:throw, rate_limit:deny: the limiter says no, as in the
  // WASI command), plus some for effects only this host can script: verify_signature:throw,
  // sign:throw (the signer fails), kv_claim:throw and kv_release:throw (the claim or the release
  // alone fails; in the worker kv_put:throw fails those too).
  std::set<std::string> faults;
  std::function<Outcome(const Effect&)> fetch;  // unset: every fetch is refused
  // verify_signature effects (a core configured with HOST_WEBCRYPTO=1): unset answers failed.
  std::function<Outcome(const Effect&)> verify;
  // sign effects (ORIGIN_SIGNING_KEY with HOST_WEBCRYPTO=1): unset answers failed.
  std::function<Outcome(const Effect&)> sign;

  std::vector<std::vector<Effect>> rounds;  // every batch the core asked for, in order
  std::vector<Effect> background;
  std::vector<std::string> notices;
  LogRecord last_log;
  DriveStats last_stats;

  void seed(const std::string& store, const std::string& key, const std::string& value) {
    kv[store + "\n" + key] = {value, 0};
  }
  const std::string* get(const std::string& store, const std::string& key) const;
  std::size_t count_prefix(const std::string& store, const std::string& prefix) const;

  Outcome perform(const Effect& e);
  // Runs one request to completion (including background effects).
  Response run(Engine& engine, Request req);
  std::string next_random();
};

}  // namespace mb::native
