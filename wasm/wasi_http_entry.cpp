// The wasi:http component (dist/wasi-http/membership-http.wasm): the core behind a WASI 0.2
// `wasi:http/incoming-handler`, served by `jco serve` or `wasmtime serve`. The WASI command's host
// code does the rest (host-shims/wasi): settings from the environment, KV as files under the
// preopened /kv (exclusive creates), the effect performer; fetches leave through
// `wasi:http/outgoing-handler` (wasm/wasi_http_fetch.cpp). One JSON log line per request on stderr.
//
//   wasmtime serve -S cli=y --dir kv::/kv --env ROUTING=edge dist/wasi-http/membership-http.wasm
//   scripts/serve-wasi-http --port 8790 --kv kv
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "crypto.h"
#include "driver.h"
#include "envelope.h"
#include "host_env.h"
#include "wasi_http_fetch.h"
#include "wasi_http_io.h"

namespace {

// One per instance, made on the first request: a runtime may instantiate before it has set the
// environment up, and the settings are read once, as the worker reads its vars once.
struct Host {
  mb::Engine engine{mb::wasi::settings_from_environment()};
  mb::wasi::HostTime time;
  std::unique_ptr<mb::wasi::Driver> driver;
  Host() {
    mb::wasi::HostOptions options = mb::wasi::host_options(mb::wasi::settings_from_environment());
    options.fetch = mb::wasi_http::fetch;
    driver = std::make_unique<mb::wasi::Driver>(
        engine, std::move(options), [this] { return time.now_ms(); }, [this] { return time.random_bytes(); });
  }
};

Host& host() {
  static Host* h = new Host();  // never destroyed: the instance ends with the runtime
  return *h;
}

// The request as the core takes it; false when its body could not be read.
bool read_request(wh_handle incoming, std::size_t max_body, mb::Request& req) {
  wh_tagged_string s{};
  wh_incoming_request_method(incoming, &s);
  req.method = mb::wasi_http::method_name(s);
  s = {};
  wh_incoming_request_path_with_query(incoming, &s);
  req.target = s.tag ? std::string(s.ptr, s.len) : "/";
  if (s.tag) mb::wasi_http::release(s.ptr, s.len);
  wh_handle fields = wh_incoming_request_headers(incoming);
  req.headers = mb::wasi_http::headers_of(fields);
  wh_fields_drop(fields);
  // Some runtimes keep Host out of the fields (it is the authority): give it back.
  if (!mb::header(req.headers, "host")) {
    s = {};
    wh_incoming_request_authority(incoming, &s);
    if (s.tag) {
      req.headers.emplace_back("host", std::string(s.ptr, s.len));
      mb::wasi_http::release(s.ptr, s.len);
    }
  }
  wh_result_handle body{}, stream{};
  wh_incoming_request_consume(incoming, &body);
  if (body.is_err) return false;
  wh_incoming_body_stream(body.value, &stream);
  bool ok = !stream.is_err && mb::wasi_http::read_all(stream.value, max_body + 1, req.body, req.body_truncated);
  if (!stream.is_err) wh_input_stream_drop(stream.value);
  wh_incoming_body_drop(body.value);
  if (req.body.size() > max_body) req.body_truncated = true;
  return ok;
}

// Sends the answer: status, the core's headers and Content-Length, the body.
void send_response(wh_handle out, const mb::Response& resp, std::string& log) {
  mb::Headers headers = resp.headers;
  headers.emplace_back("Content-Length", std::to_string(resp.body.size()));
  std::string refused;
  wh_handle response = wh_outgoing_response_new(mb::wasi_http::fields_of(headers, refused));
  if (!refused.empty()) log += "{\"level\":\"warn\",\"message\":\"the runtime refused response headers\"}\n";
  wh_outgoing_response_set_status_code(response, static_cast<uint32_t>(resp.status));
  wh_result_handle body{}, stream{};
  wh_outgoing_response_body(response, &body);
  wh_response_outparam_set(out, 0, response, 0, 0, 0, 0, 0, 0);
  if (body.is_err) return;
  wh_outgoing_body_write(body.value, &stream);
  if (!stream.is_err) {
    if (!mb::wasi_http::write_all(stream.value, resp.body))
      log += "{\"level\":\"warn\",\"message\":\"the response body could not be written\"}\n";
    wh_output_stream_drop(stream.value);
  }
  wh_ret_area finished{};
  wh_outgoing_body_finish(body.value, 0, 0, &finished);
}

}  // namespace

void wh_incoming_handle(wh_handle incoming, wh_handle out) {
  Host& h = host();
  h.time.restart();  // pinned randomness: each request draws from the seed as a fresh command does
  mb::Request req;
  bool readable = read_request(incoming, h.engine.config().max_body_bytes, req);
  wh_incoming_request_drop(incoming);
  std::string log;
  mb::Response resp;
  if (readable) {
    resp = h.driver->handle(std::move(req), log);
  } else {
    // A body that broke off never reaches the core; answer with its envelope, as the command does.
    std::string rid = "req_" + mb::sha256_hex(h.time.random_bytes()).substr(0, 24);
    resp = {400,
            {{"Content-Type", "application/json"}, {"X-Request-Id", rid}},
            mb::error_envelope(mb::Error::malformed_request)};
    log = "{\"level\":\"warn\",\"request_id\":\"" + rid + "\",\"message\":\"the request body could not be read\"}\n";
  }
  send_response(out, resp, log);
  std::fwrite(log.data(), 1, log.size(), stderr);
  std::fflush(stderr);
}

void* cabi_realloc(void* old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  (void)align;  // malloc's 16-byte alignment covers every canonical-ABI type
  static char empty;
  if (new_size == 0) return &empty;  // never freed: mb::wasi_http::release skips empty lists
  void* p = std::realloc(old, new_size);
  if (!p) std::abort();  // the canonical ABI has no way to report it
  return p;
}
