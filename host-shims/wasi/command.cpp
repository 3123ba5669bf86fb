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
#include "host_env.h"
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
    "  tests may fix time and randomness: MB_FIXED_NOW_MS, MB_FIXED_RANDOM_SEED;\n"
    "  MB_TRACE_EFFECTS=1 adds each request's effect trace to the log on stderr.\n";

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

// The id of an answer this host makes itself: by the rule of every answer (request_id_for), with
// no headers read, so "req_" and 24 base62 characters of the host's randomness.
std::string own_request_id(HostTime& sources) {
  std::string random = sources.random_bytes();
  std::size_t used = 0;
  return request_id_for({}, random, used);
}

// One HTTP/1.1 request on stdin, its response on stdout, the log on stderr.
void serve_http(Driver& driver, std::size_t max_body, HostTime& sources) {
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
void serve_line(Driver& driver, std::size_t max_body, HostTime& sources, const std::string& line) {
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
void serve_ndjson(Driver& driver, std::size_t max_body, HostTime& sources) {
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
  bool kv_dir_given = false, origin_dir_given = false;
  int exit_now = -1;  // >= 0: the arguments were handled (usage, --kv-key) or refused
};

Invocation parse_arguments(int argc, char** argv) {
  Invocation inv;
  for (int i = 1; i < argc && inv.exit_now < 0; ++i) {
    std::string a = argv[i];
    if (a == "--ndjson") {
      inv.ndjson = true;
    } else if (a == "--kv" && i + 1 < argc) {
      inv.options.kv_dir = argv[++i];
      inv.kv_dir_given = true;
    } else if (a == "--origin" && i + 1 < argc) {
      inv.options.origin_dir = argv[++i];
      inv.origin_dir_given = true;
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
  Vars vars = settings_from_environment();
  HostOptions from_env = host_options(vars);
  inv.options.faults = from_env.faults;  // --kv and --origin win over MB_KV_DIR and MB_ORIGIN_DIR
  inv.options.trace_effects = from_env.trace_effects;
  if (!inv.kv_dir_given) inv.options.kv_dir = from_env.kv_dir;
  if (!inv.origin_dir_given) inv.options.origin_dir = from_env.origin_dir;
  Engine engine(vars);
  HostTime sources;
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
