// What the two WASI hosts (the command, host-shims/wasi/command.cpp, and the wasi:http component,
// wasm/wasi_http_entry.cpp) take from their environment: the settings, this host's facts, the KV
// directory and the test-only fault list, and the clock and randomness (which tests pin).
#pragma once
#include <cstdint>
#include <string>

#include "config.h"
#include "driver.h"

namespace mb::wasi {

// The process environment as settings, with this host's facts, never an operator's: the KV
// directory is a write authority (exclusive file creates), and there is no WebCrypto here (BearSSL
// in the core verifies), and no rate limiter (unless the rate_limit:throw or rate_limit:deny fault
// gives it one that always fails or always says no).
Vars settings_from_environment();

// MB_KV_DIR and MB_ORIGIN_DIR over the defaults, FAULTS when ALLOW_FAULT_INJECTION=true (fault
// injection is the host's: the core never sees it), and MB_TRACE_EFFECTS=1 (the effect trace).
HostOptions host_options(const Vars& vars);

// Time and randomness come from the host; tests pin them for byte-equal runs with
// MB_FIXED_NOW_MS (milliseconds since the epoch) and MB_FIXED_RANDOM_SEED (64 bytes a draw, the
// SHA-256 of "<seed>:<n>" for n = 0, 1, ...; restart() begins again at 0, as a new process does).
class HostTime {
 public:
  HostTime();  // reads the two variables
  std::int64_t now_ms() const;
  std::string random_bytes();
  void restart() { counter_ = 0; }

 private:
  std::int64_t fixed_now_ = -1;
  std::string seed_;
  std::uint64_t counter_ = 0;
};

}  // namespace mb::wasi
