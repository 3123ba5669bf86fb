// The WASI hosts' effect executor: KV from files; fetch through the host's own fetcher (the
// wasi:http component's outgoing requests) or, without one (the command: preview1 has no
// sockets), from recorded origin answers. Fault injection (FAULTS, with ALLOW_FAULT_INJECTION=true)
// is performed here, never in the core; so is the effect trace the scenario tests compare.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "exchange.h"
#include "kv_files.h"

namespace mb::wasi {

struct HostOptions {
  std::string kv_dir = "/kv";
  std::string origin_dir = "/origin";  // recorded origin answers; absent: origin-bound requests get 502
  std::set<std::string> faults;        // FAULTS, when ALLOW_FAULT_INJECTION=true
  // MB_TRACE_EFFECTS=1 (tests): each request's effect trace, rounds and background, as a "debug"
  // line on the log before the request line (whatever LOG_LEVEL says).
  bool trace_effects = false;
  // Performs a fetch effect for real (the wasi:http component); unset: recordings in origin_dir.
  std::function<Outcome(const Effect&)> fetch;
};

// FAULTS as a set ("kv_get:throw,kv_put:throw" -> both).
std::set<std::string> parse_faults(std::string_view list);

class Driver {
 public:
  Driver(Engine& engine, HostOptions options, std::function<std::int64_t()> now_ms,
         std::function<std::string()> random_bytes);
  // Runs one request to its response; log lines (JSON) go to `log`.
  Response handle(Request req, std::string& log);

 private:
  Outcome perform(const Effect& e, std::vector<std::string>& notes);
  Engine& engine_;
  HostOptions options_;
  KvFiles kv_;
  std::function<std::int64_t()> now_ms_;
  std::function<std::string()> random_bytes_;
};

}  // namespace mb::wasi
