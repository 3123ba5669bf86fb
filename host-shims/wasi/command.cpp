#include "command.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "crypto.h"
#include "driver.h"
#include "envelope.h"
#include "http_io.h"
#include "json_writer.h"
#include "kv_layout.h"
#include "wire.h"
#if defined(__wasi__)
#include <unistd.h>  // getentropy
#else
#include <sys/random.h>
#endif

extern char** environ;

namespace mb::wasi {
namespace {

constexpr const char* kUsage =
    "usage: membership-cli [--ndjson] [--kv DIR] [--origin DIR]\n"
    "       membership-cli --kv-key ROW PART...   (prints the KV key, e.g. --kv-key account test acct_1)\n"
    "  reads one HTTP/1.1 request on stdin and writes the response on stdout;\n"
    "  --ndjson: one JSON request per line ({\"method\",\"target\",\"headers\",\"body\"}), one response per line.\n"
    "  configuration comes from the environment (ROUTING, ORIGIN_URL, JWT_*, ... as in wrangler.toml).\n"
    "  tests may fix time and randomness: MB_FIXED_NOW_MS, MB_FIXED_RANDOM_SEED.\n";

mb::Vars environment() {
  mb::Vars vars;
  for (char** e = environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) vars[std::string(*e, static_cast<std::size_t>(eq - *e))] = std::string(eq + 1);
  }
  return vars;
}

std::string read_stdin(std::size_t limit) {
  std::string out;
  char buf[65536];
  std::size_t n;
  while (out.size() < limit && (n = std::fread(buf, 1, std::min(sizeof buf, limit - out.size()), stdin)) > 0)
    out.append(buf, n);
  return out;
}

void write_all(FILE* f, const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), f);
  std::fflush(f);
}

// --kv-key ROW PART...: the key src/kv_layout.h builds, for seeding tools and operators.
int print_kv_key(int argc, char** argv, int i) {
  std::vector<std::string> a(argv + i, argv + argc);
  auto mode = [&](std::size_t k) { return a.size() > k && a[k] == "test" ? mb::Mode::test : mb::Mode::live; };
  auto bad_mode = [&](std::size_t k) { return a.size() <= k || (a[k] != "test" && a[k] != "live"); };
  std::string key;
  if (a.size() == 2 && a[0] == "apikey")
    key = mb::kv::api_key(a[1]);
  else if (a.size() == 2 && a[0] == "jwks")
    key = mb::kv::jwks(a[1]);
  else if (a.size() == 3 && a[0] == "account" && !bad_mode(1))
    key = mb::kv::account(mode(1), a[2]);
  else if (a.size() == 3 && a[0] == "workspace_membership" && !bad_mode(1))
    key = mb::kv::workspace_membership(mode(1), a[2]);
  else if (a.size() == 3 && a[0] == "user_by_email" && !bad_mode(1))
    key = mb::kv::user_by_email(mode(1), a[2]);
  else if (a.size() == 4 && a[0] == "account_membership" && !bad_mode(1))
    key = mb::kv::membership(mode(1), a[2], {mb::kv::Member::By::user_id, a[3]});
  else if (a.size() == 5 && a[0] == "account_membership" && a[3] == "email" && !bad_mode(1))
    key = mb::kv::membership(mode(1), a[2], {mb::kv::Member::By::email, a[4]});
  else if (a.size() == 4 && a[0] == "idempotency" && !bad_mode(1))
    key = mb::kv::idempotency(mode(1), a[2], a[3]);
  else {
    std::fputs("membership-cli --kv-key: ROW PART... as in docs/storage.md\n", stderr);
    return 2;
  }
  write_all(stdout, key + "\n");
  return 0;
}

// Time and randomness come from the host; tests pin them for byte-equal runs (MB_FIXED_NOW_MS,
// MB_FIXED_RANDOM_SEED: 64 bytes of SHA-256(seed:counter) per draw).
// One instance per run: the driver and the host's own answers draw from the same sequence.
class Sources {
 public:
  Sources() {
    if (const char* t = std::getenv("MB_FIXED_NOW_MS")) fixed_now_ = std::atoll(t);
    if (const char* s = std::getenv("MB_FIXED_RANDOM_SEED")) seed_ = s;
  }
  std::int64_t now_ms() const {
    if (fixed_now_ >= 0) return fixed_now_;
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  }
  std::string random_bytes() {
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

 private:
  std::int64_t fixed_now_ = -1;
  std::string seed_;
  std::uint64_t counter_ = 0;
};

// The id of an answer this host makes itself: by the rule of every answer (request_id_for), with
// no headers read, so "req_" and 24 base62 characters of the host's randomness.
std::string own_request_id(Sources& sources) {
  std::string random = sources.random_bytes();
  std::size_t used = 0;
  return request_id_for({}, random, used);
}

// One HTTP/1.1 request on stdin, its response on stdout, the log on stderr.
void serve_http(Driver& driver, std::size_t max_body, Sources& sources) {
  std::string raw = read_stdin(64 * 1024 + max_body + 16);
  Request req;
  std::string why;
  Response resp;
  std::string log;
  ParseResult parsed = parse_request(raw, max_body, req, why);
  if (parsed != ParseResult::ok) {
    // An unreadable request never reaches the core; answer with the core's envelope.
    std::string rid = own_request_id(sources);
    Error e = parsed == ParseResult::too_large ? Error::headers_too_large : Error::malformed_request;
    resp = {info(e).status, {{"Content-Type", "application/json"}, {"X-Request-Id", rid}}, error_envelope(e)};
    json::Writer line;
    line.begin_object().key("level").string("warn").key("request_id").string(rid);
    line.key("message").string("malformed HTTP request: " + why).end_object();
    log = line.take() + "\n";
  } else {
    resp = driver.handle(std::move(req), log);
  }
  write_all(stdout, format_response(resp));
  write_all(stderr, log);
}

// One --ndjson line: a JSON request in, a JSON response out (and the log line on stderr).
void serve_line(Driver& driver, std::size_t max_body, Sources& sources, const std::string& line) {
  std::optional<Json> p = parse_json(line, 8);
  Request req;
  Json out = Json::object();
  if (!p || !request_from_json(*p, req)) {
    // An unreadable line never reaches the core; answer as it would, X-Request-Id included.
    out["status"] = 400;
    out["headers"] = Json::array(
        {Json::array({"Content-Type", "application/json"}), Json::array({"X-Request-Id", own_request_id(sources)})});
    out["body"] = error_envelope(Error::malformed_request);
  } else {
    if (req.body.size() > max_body) {
      req.body.resize(max_body + 1);
      req.body_truncated = true;
    }
    std::string log;
    Response resp = driver.handle(std::move(req), log);
    out["status"] = resp.status;
    Json headers = Json::array();
    for (auto& [k, v] : resp.headers) headers.push_back(Json::array({k, v}));
    out["headers"] = std::move(headers);
    out["body"] = resp.body;
    write_all(stderr, log);
  }
  write_all(stdout, dump(out) + "\n");
}

// --ndjson: a line at a time, each bounded at 32 MiB.
void serve_ndjson(Driver& driver, std::size_t max_body, Sources& sources) {
  std::string line;
  int c;
  while ((c = std::getchar()) != EOF) {
    if (c != '\n') {
      if (line.size() < 32 * 1024 * 1024) line += static_cast<char>(c);
      continue;
    }
    if (!line.empty()) serve_line(driver, max_body, sources, line);
    line.clear();
  }
  if (!line.empty()) serve_line(driver, max_body, sources, line);
}

struct Invocation {
  bool ndjson = false;
  HostOptions options;
  int exit_now = -1;  // >= 0: the arguments were handled (usage, --kv-key) or refused
};

Invocation parse_arguments(int argc, char** argv) {
  Invocation inv;
  if (const char* d = std::getenv("MB_KV_DIR")) inv.options.kv_dir = d;
  if (const char* d = std::getenv("MB_ORIGIN_DIR")) inv.options.origin_dir = d;
  for (int i = 1; i < argc && inv.exit_now < 0; ++i) {
    std::string a = argv[i];
    if (a == "--ndjson") {
      inv.ndjson = true;
    } else if (a == "--kv" && i + 1 < argc) {
      inv.options.kv_dir = argv[++i];
    } else if (a == "--origin" && i + 1 < argc) {
      inv.options.origin_dir = argv[++i];
    } else if (a == "--kv-key") {
      inv.exit_now = print_kv_key(argc, argv, i + 1);
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      inv.exit_now = 0;
    } else {
      std::fprintf(stderr, "membership-cli: unknown argument %s\n%s", a.c_str(), kUsage);
      inv.exit_now = 2;
    }
  }
  return inv;
}

}  // namespace

int run_command(int argc, char** argv) {
  Invocation inv = parse_arguments(argc, argv);
  if (inv.exit_now >= 0) return inv.exit_now;
  Vars vars = environment();
  // This host's facts, never an operator's: the KV directory is a write authority (exclusive
  // file creates), and there is no WebCrypto here (BearSSL in the core verifies).
  vars["HOST_WRITE_AUTHORITY"] = "1";
  vars.erase("HOST_WEBCRYPTO");
  vars.erase("HOST_RATE_LIMITER_PERIOD");
  // Fault injection is this host's: the core never sees it. rate_limit:throw gives the core a
  // limiter to ask (this host has none of its own), one that always fails.
  if (vars.count("ALLOW_FAULT_INJECTION") && trim(vars["ALLOW_FAULT_INJECTION"]) == "true")
    inv.options.faults = parse_faults(vars["FAULTS"]);
  if (inv.options.faults.count("rate_limit:throw")) vars["HOST_RATE_LIMITER_PERIOD"] = "60";
  Engine engine(vars);
  Sources sources;
  Driver driver(
      engine, inv.options, [&sources] { return sources.now_ms(); }, [&sources] { return sources.random_bytes(); });
  std::size_t max_body = engine.config().max_body_bytes;
  if (inv.ndjson)
    serve_ndjson(driver, max_body, sources);
  else
    serve_http(driver, max_body, sources);
  return 0;
}

}  // namespace mb::wasi
