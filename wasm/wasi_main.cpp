// The WASI command (dist/wasi/membership-cli.wasm): one HTTP/1.1 request on stdin, the response on
// stdout, one JSON log line per request on stderr; KV as files under /kv. Also builds natively.
//
//   wasmtime run --dir ./kv::/kv --env ROUTING=edge dist/wasi/membership-cli.wasm < request.http
//   ... membership-cli.wasm --ndjson < requests.ndjson   (one JSON request per line in, one response out)
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
#include "kv_layout.h"
#include "wire.h"

namespace {

constexpr const char* kUsage =
    "usage: membership-cli [--ndjson] [--kv DIR] [--origin DIR]\n"
    "       membership-cli --kv-key ROW PART...   (prints the KV key, e.g. --kv-key account test acct_1)\n"
    "  reads one HTTP/1.1 request on stdin and writes the response on stdout;\n"
    "  --ndjson: one JSON request per line ({\"method\",\"target\",\"headers\",\"body\"}), one response per line.\n"
    "  configuration comes from the environment (ROUTING, ORIGIN_URL, JWT_*, ... as in wrangler.toml).\n"
    "  tests may fix time and randomness: MB_FIXED_NOW_MS, MB_FIXED_RANDOM_SEED.\n";

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

}  // namespace

int main(int argc, char** argv) {
  bool ndjson = false;
  mb::Vars vars = mb::wasi::settings_from_environment();
  mb::wasi::HostOptions options = mb::wasi::host_options(vars);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--ndjson")
      ndjson = true;
    else if (a == "--kv" && i + 1 < argc)
      options.kv_dir = argv[++i];
    else if (a == "--origin" && i + 1 < argc)
      options.origin_dir = argv[++i];
    else if (a == "--kv-key")
      return print_kv_key(argc, argv, i + 1);
    else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "membership-cli: unknown argument %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  mb::Engine engine(vars);
  mb::wasi::HostTime time;
  auto now_ms = [&time]() { return time.now_ms(); };
  auto random_bytes = [&time]() { return time.random_bytes(); };
  mb::wasi::Driver driver(engine, options, now_ms, random_bytes);
  std::size_t max_body = engine.config().max_body_bytes;
  std::string log;

  if (!ndjson) {
    std::string raw = read_stdin(64 * 1024 + max_body + 16);
    mb::Request req;
    std::string why;
    mb::Response resp;
    mb::wasi::ParseResult parsed = mb::wasi::parse_request(raw, max_body, req, why);
    if (parsed != mb::wasi::ParseResult::ok) {
      // An unreadable request never reaches the core; answer with the core's envelope.
      std::string rid = "req_" + mb::sha256_hex(random_bytes()).substr(0, 24);
      mb::Error e =
          parsed == mb::wasi::ParseResult::too_large ? mb::Error::headers_too_large : mb::Error::malformed_request;
      resp = {mb::info(e).status, {{"Content-Type", "application/json"}, {"X-Request-Id", rid}}, mb::error_envelope(e)};
      log = "{\"level\":\"warn\",\"request_id\":\"" + rid + "\",\"message\":\"malformed HTTP request: " + why + "\"}\n";
    } else {
      resp = driver.handle(std::move(req), log);
    }
    write_all(stdout, mb::wasi::format_response(resp));
    write_all(stderr, log);
    return 0;
  }

  // --ndjson: a line at a time, bounded.
  std::string line;
  int c;
  auto flush_line = [&]() {
    if (line.empty()) return;
    std::optional<mb::Json> p = mb::parse_json(line, 8);
    mb::Request req;
    mb::Json out = mb::Json::object();
    if (!p || !mb::request_from_json(*p, req)) {
      // An unreadable line never reaches the core; answer as it would, X-Request-Id included.
      std::string rid = "req_" + mb::sha256_hex(random_bytes()).substr(0, 24);
      out["status"] = 400;
      out["headers"] = mb::Json::array(
          {mb::Json::array({"Content-Type", "application/json"}), mb::Json::array({"X-Request-Id", rid})});
      out["body"] = mb::error_envelope(mb::Error::malformed_request);
    } else {
      if (req.body.size() > max_body) {
        req.body.resize(max_body + 1);
        req.body_truncated = true;
      }
      mb::Response resp = driver.handle(std::move(req), log);
      out["status"] = resp.status;
      mb::Json headers = mb::Json::array();
      for (auto& [k, v] : resp.headers) headers.push_back(mb::Json::array({k, v}));
      out["headers"] = std::move(headers);
      out["body"] = resp.body;
      write_all(stderr, log);
    }
    write_all(stdout, mb::dump(out) + "\n");
    line.clear();
  };
  while ((c = std::getchar()) != EOF) {
    if (c == '\n')
      flush_line();
    else if (line.size() < 32 * 1024 * 1024)
      line += static_cast<char>(c);
  }
  flush_line();
  return 0;
}
