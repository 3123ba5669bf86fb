// Per-request CPU of the core compiled natively: the floor under the wasm figures.
//
// It replays the fixture bench/core_bench.mjs writes (the same requests, tokens and KV seed the
// wasm benchmark uses), one case at a time, on a fresh Engine and a fresh in-memory KV per case:
// the warm-up requests first (records cache warm, JIT-free here but caches and allocator warm),
// then every timed request, each one timed alone from begin() to the final step, effects
// answered from memory (host-shims/native/memory_host.h). Every answer's status is checked.
//
//   native_bench <fixture.json> [--only <case>] [--limit <n>] [--mode core|wire]
//
// Prints one JSON line per case: {"case","mode","n","median_us","p99_us","mean_us","status_ok",
// "per_request": {rounds, read_rounds, write_rounds, kv_reads, kv_writes, put_if_absent}}.
// A case's "host" (bench/lib/fixture.mjs) is honoured as the worker sets it: writeAuthority adds
// HOST_WRITE_AUTHORITY=1 (creates are kv_put_if_absent, answered by the in-memory map); webCrypto
// cases are skipped (no WebCrypto here: the BearSSL cases are the native figures).
// Two modes per case: "core" calls the Exchange directly; "wire" also goes through the frames of
// the worker ABI (wasm/frames.h: request frame read, every step written, every outcome batch
// written and read), so the difference is what the ABI's codec costs natively.
// --limit caps the timed requests (for valgrind --tool=callgrind runs); --mode core|wire.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "exchange.h"
#include "frames.h"
#include "json_dom.h"
#include "memory_host.h"
#include "wire.h"

namespace {

using mb::Json;

std::string read_file(const char* path) {
  std::string out;
  std::FILE* f = std::fopen(path, "rb");
  if (!f) return out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

const std::string& str(const Json& j) { return j.get_ref<const std::string&>(); }

struct Case {
  std::string name;
  int expect = 0;
  std::vector<mb::Request> warmup, timed;
};

std::vector<mb::Request> requests(const Json& list) {
  std::vector<mb::Request> out;
  for (const Json& r : list) {
    mb::Request req;
    if (!mb::request_from_json(r, req)) {
      std::fprintf(stderr, "native_bench: unreadable request in fixture\n");
      std::exit(2);
    }
    out.push_back(std::move(req));
  }
  return out;
}

// Effects of the timed requests, for the per-request counts.
struct Counts {
  std::size_t rounds = 0, read_rounds = 0, write_rounds = 0, reads = 0, writes = 0, put_if_absent = 0;
  void round(const std::vector<mb::Effect>& effects) {
    std::size_t r = 0, w = 0;
    for (const mb::Effect& e : effects) {
      if (e.kind == mb::EffectKind::kv_get) ++r;
      if (e.kind == mb::EffectKind::kv_put) ++w;
      if (e.kind == mb::EffectKind::kv_put_if_absent || e.kind == mb::EffectKind::kv_claim) {  // authority calls
        ++w;
        ++put_if_absent;
      }
    }
    ++rounds;
    if (r) {
      ++read_rounds;
      reads += r;
    }
    if (w) {
      ++write_rounds;
      writes += w;
    }
  }
  void background(const std::vector<mb::Effect>& effects) {
    for (const mb::Effect& e : effects)
      if (e.kind != mb::EffectKind::kv_get) ++writes;
  }
};
Counts counts;

// One request to its final step through the hosts' driver loop (host-shims/common/drive.h);
// effects answered from the in-memory KV. With `wire`, it goes through the worker ABI's frames as
// wasm/worker_entry.cpp does: every step written, every outcome batch written and read back.
int run_one(mb::Engine& engine, mb::native::MemoryHost& host, mb::Request request, std::string& random, bool wire) {
  // Fresh bytes per request without a hash: the ids only need to differ, not to be secret here.
  for (std::size_t i = 0; i < 8 && i < random.size(); ++i) random[i] = static_cast<char>(random[i] + 1 + i);
  mb::Exchange exchange(engine);
  std::string step_frame;
  auto perform = [&](const std::vector<mb::Effect>& effects) {
    counts.round(effects);
    std::vector<mb::Outcome> outcomes;
    outcomes.reserve(effects.size());
    for (const mb::Effect& e : effects) outcomes.push_back(host.perform(e));
    if (!wire) return outcomes;
    std::vector<mb::Outcome> read_back;
    mb::frames::read_outcomes(mb::frames::write_outcomes(outcomes), read_back);
    return read_back;
  };
  auto write_frame = [&](const mb::Step& step) { mb::frames::write_step(step, step_frame); };
  mb::Step step = mb::drive(
      exchange, std::move(request), {host.now_ms, random}, perform, [&host] { return host.now_ms; }, nullptr,
      wire ? write_frame : mb::ObserveStep());
  counts.background(step.background);
  for (const mb::Effect& e : step.background) host.perform(e);
  return !wire || !step_frame.empty() ? step.response.status : 0;
}

// The request of the wire mode: its frame read as wasm/worker_entry.cpp reads it.
int run_one_wire(mb::Engine& engine, mb::native::MemoryHost& host, const std::string& frame, const std::string& body,
                 std::string& random) {
  mb::Request request;
  if (!mb::frames::read_request(frame, request)) return 0;
  request.body = body;
  return run_one(engine, host, std::move(request), random, true);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: native_bench <fixture.json> [--only <case>] [--limit <n>]\n");
    return 2;
  }
  std::string only, mode_only;
  std::size_t limit = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--only") only = argv[i + 1];
    if (flag == "--limit") limit = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--mode") mode_only = argv[i + 1];
  }
  std::optional<Json> parsed = mb::parse_json(read_file(argv[1]), 64);
  if (!parsed || !parsed->is_object()) {
    std::fprintf(stderr, "native_bench: cannot read fixture %s\n", argv[1]);
    return 2;
  }
  const Json& fx = *parsed;
  mb::Vars vars;
  for (auto it = fx["vars"].begin(); it != fx["vars"].end(); ++it) vars[it.key()] = str(it.value());
  const auto now_ms = fx["now_ms"].get<std::int64_t>();

  int failures = 0;
  for (const Json& c : fx["cases"]) {
    Case kase;
    kase.name = str(c["name"]);
    if (!only.empty() && kase.name != only) continue;
    kase.expect = c["expect"].get<int>();
    const bool write_authority = c.contains("host") && c["host"].contains("writeAuthority") &&
                                 c["host"]["writeAuthority"].is_boolean() && c["host"]["writeAuthority"].get<bool>();
    const bool web_crypto = c.contains("host") && c["host"].contains("webCrypto") &&
                            c["host"]["webCrypto"].is_boolean() && c["host"]["webCrypto"].get<bool>();
    if (web_crypto) continue;
    mb::Vars case_vars = vars;
    if (write_authority) case_vars["HOST_WRITE_AUTHORITY"] = "1";
    kase.warmup = requests(c["warmup"]);
    kase.timed = requests(c["timed"]);
    if (limit && kase.timed.size() > limit) kase.timed.resize(limit);

    for (const char* mode : {"core", "wire"}) {
      if (!mode_only.empty() && mode_only != mode) continue;
      const bool wire = std::string(mode) == "wire";
      mb::native::MemoryHost host;
      host.now_ms = now_ms;
      for (const Json& s : fx["seed"]) host.seed(str(s["store"]), str(s["key"]), str(s["value"]));
      mb::Engine engine(case_vars);
      if (!engine.config().error.empty()) {
        std::fprintf(stderr, "native_bench: configuration error: %s\n", engine.config().error.c_str());
        return 2;
      }
      // What the host sends as the request frame: the request without its body.
      auto meta_of = [](const mb::Request& r) { return mb::frames::write_request(r); };
      std::vector<std::string> metas;
      if (wire)
        for (const mb::Request& r : kase.timed) metas.push_back(meta_of(r));
      std::string random(64, '\x5a');
      for (const mb::Request& r : kase.warmup) {
        if (wire)
          run_one_wire(engine, host, meta_of(r), r.body, random);
        else
          run_one(engine, host, r, random, false);
      }

      counts = Counts{};
      std::vector<double> us;
      us.reserve(kase.timed.size());
      std::size_t ok = 0;
      for (std::size_t i = 0; i < kase.timed.size(); ++i) {
        const mb::Request& r = kase.timed[i];
        auto t0 = std::chrono::steady_clock::now();
        int status =
            wire ? run_one_wire(engine, host, metas[i], r.body, random) : run_one(engine, host, r, random, false);
        auto t1 = std::chrono::steady_clock::now();
        us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        if (status == kase.expect) ++ok;
      }
      double sum = 0;
      for (double x : us) sum += x;
      const auto per = [&](std::size_t x) {
        return us.empty() ? 0.0 : static_cast<double>(x) / static_cast<double>(us.size());
      };
      if (ok != kase.timed.size()) ++failures;
      std::printf(
          "{\"case\":\"%s\",\"mode\":\"%s\",\"n\":%zu,\"median_us\":%.3f,\"p99_us\":%.3f,\"mean_us\":%.3f,"
          "\"status_ok\":%zu,\"per_request\":{\"rounds\":%.3f,\"read_rounds\":%.3f,\"write_rounds\":%.3f,\"kv_reads\":%"
          ".3f,"
          "\"kv_writes\":%.3f,\"put_if_absent\":%.3f}}\n",
          kase.name.c_str(), mode, us.size(), percentile(us, 0.5), percentile(us, 0.99),
          us.empty() ? 0.0 : sum / static_cast<double>(us.size()), ok, per(counts.rounds), per(counts.read_rounds),
          per(counts.write_rounds), per(counts.reads), per(counts.writes), per(counts.put_if_absent));
      std::fflush(stdout);
    }
  }
  return failures ? 1 : 0;
}
