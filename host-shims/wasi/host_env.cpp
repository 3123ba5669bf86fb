#include "host_env.h"

#include <cstdlib>
#include <cstring>
#include <ctime>

#include "crypto.h"
#include "wire.h"
#if defined(__wasi__)
#include <unistd.h>  // getentropy
#else
#include <sys/random.h>
#endif

extern char** environ;

namespace mb::wasi {

Vars settings_from_environment() {
  Vars vars;
  for (char** e = environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) vars[std::string(*e, static_cast<std::size_t>(eq - *e))] = std::string(eq + 1);
  }
  vars["HOST_WRITE_AUTHORITY"] = "1";
  vars.erase("HOST_WEBCRYPTO");
  vars.erase("HOST_RATE_LIMITER_PERIOD");
  // rate_limit:throw or rate_limit:deny gives the core a limiter to ask (this host has none of its
  // own), one that always fails or always says no.
  const std::set<std::string> faults = host_options(vars).faults;
  if (faults.count("rate_limit:throw") || faults.count("rate_limit:deny")) vars["HOST_RATE_LIMITER_PERIOD"] = "60";
  return vars;
}

HostOptions host_options(const Vars& vars) {
  HostOptions options;
  if (auto d = vars.find("MB_KV_DIR"); d != vars.end()) options.kv_dir = d->second;
  if (auto d = vars.find("MB_ORIGIN_DIR"); d != vars.end()) options.origin_dir = d->second;
  auto allow = vars.find("ALLOW_FAULT_INJECTION");
  auto faults = vars.find("FAULTS");
  if (allow != vars.end() && trim(allow->second) == "true" && faults != vars.end())
    options.faults = parse_faults(faults->second);
  auto trace = vars.find("MB_TRACE_EFFECTS");
  options.trace_effects = trace != vars.end() && trim(trace->second) == "1";
  return options;
}

HostTime::HostTime() {
  if (const char* t = std::getenv("MB_FIXED_NOW_MS")) fixed_now_ = std::atoll(t);
  if (const char* s = std::getenv("MB_FIXED_RANDOM_SEED")) seed_ = s;
}

std::int64_t HostTime::now_ms() const {
  if (fixed_now_ >= 0) return fixed_now_;
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string HostTime::random_bytes() {
  std::string out(64, '\0');
  if (!seed_.empty()) {
    for (int half = 0; half < 2; ++half) {
      Sha256 h = sha256(seed_ + ":" + std::to_string(counter_++));
      std::memcpy(out.data() + half * 32, h.data(), 32);
    }
    return out;
  }
  if (getentropy(out.data(), out.size()) != 0) std::abort();  // no randomness: refuse to mint ids
  return out;
}

}  // namespace mb::wasi
