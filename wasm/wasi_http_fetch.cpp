#include "wasi_http_fetch.h"

#include <cstring>

#include "wasi_http_io.h"

namespace mb::wasi_http {

namespace {

constexpr std::size_t kMaxAnswerBytes = 8u << 20;

Outcome failed(const Effect& e, Failure f, std::string detail) {
  Outcome o;
  o.id = e.id;
  o.failure = f;
  o.detail = std::move(detail);
  return o;
}

// error-code's case (wasm/wasi_http_abi.h) as the core's failure kinds.
Failure failure_of(uint8_t error_case) {
  switch (error_case) {
    case WH_ERR_DNS_TIMEOUT:
    case WH_ERR_CONNECTION_TIMEOUT:
    case WH_ERR_CONNECTION_READ_TIMEOUT:
    case WH_ERR_HTTP_RESPONSE_TIMEOUT:
      return Failure::timeout;
    case WH_ERR_CONNECTION_REFUSED:
    case WH_ERR_CONNECTION_TERMINATED:
      return Failure::refused;
    default:
      return Failure::failed;
  }
}

struct Url {
  std::string scheme, authority, path_with_query;
};

// "scheme://authority/path?query" (the core builds absolute URLs); false for anything else.
bool split_url(std::string_view url, Url& out) {
  std::size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  out.scheme = std::string(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 3);
  std::size_t slash = rest.find_first_of("/?");
  out.authority = std::string(rest.substr(0, slash));
  out.path_with_query = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.path_with_query[0] == '?') out.path_with_query.insert(0, "/");
  return !out.authority.empty();
}

// Sets method, scheme, authority and path; false when the runtime refuses one of them.
bool address(wh_handle req, const std::string& method, const Url& url) {
  static constexpr const char* kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                             "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  uint32_t tag = 9;
  for (uint32_t i = 0; i < 9; ++i)
    if (method == kMethods[i]) tag = i;
  uint32_t scheme = url.scheme == "http" ? 0 : url.scheme == "https" ? 1 : 2;
  return wh_outgoing_request_set_method(req, tag, method.data(), tag == 9 ? method.size() : 0) == 0 &&
         wh_outgoing_request_set_scheme(req, 1, scheme, url.scheme.data(), scheme == 2 ? url.scheme.size() : 0) == 0 &&
         wh_outgoing_request_set_authority(req, 1, url.authority.data(), url.authority.size()) == 0 &&
         wh_outgoing_request_set_path_with_query(req, 1, url.path_with_query.data(), url.path_with_query.size()) == 0;
}

wh_handle options_for(std::uint32_t timeout_ms) {
  wh_handle opts = wh_request_options_new();
  if (timeout_ms == 0) return opts;
  uint64_t ns = uint64_t(timeout_ms) * 1000000u;
  // A runtime that does not support one of them answers err: the others still apply.
  wh_request_options_set_connect_timeout(opts, 1, ns);
  wh_request_options_set_first_byte_timeout(opts, 1, ns);
  wh_request_options_set_between_bytes_timeout(opts, 1, ns);
  return opts;
}

// Waits for the answer and reads it whole into `o`.
Outcome receive(const Effect& e, wh_handle future) {
  wh_handle ready = wh_future_incoming_response_subscribe(future);
  wh_pollable_block(ready);
  wh_pollable_drop(ready);
  wh_ret_area r{};
  wh_future_incoming_response_get(future, &r);
  wh_future_incoming_response_drop(future);
  if (!r.bytes[0] || r.bytes[8]) return failed(e, Failure::failed, "the runtime lost the response");
  if (r.bytes[16]) return failed(e, failure_of(r.bytes[24]), "wasi:http error-code " + std::to_string(r.bytes[24]));
  wh_handle resp;
  std::memcpy(&resp, r.bytes + 24, sizeof resp);
  Outcome o;
  o.id = e.id;
  o.status = static_cast<int>(wh_incoming_response_status(resp));
  wh_handle fields = wh_incoming_response_headers(resp);
  o.headers = headers_of(fields);
  wh_fields_drop(fields);
  wh_result_handle body{}, stream{};
  wh_incoming_response_consume(resp, &body);
  bool ok = !body.is_err, truncated = false;
  if (ok) wh_incoming_body_stream(body.value, &stream);
  ok = ok && !stream.is_err && read_all(stream.value, kMaxAnswerBytes, o.body, truncated);
  if (!body.is_err && !stream.is_err) wh_input_stream_drop(stream.value);
  if (!body.is_err) wh_incoming_body_drop(body.value);
  wh_incoming_response_drop(resp);
  if (!ok) return failed(e, Failure::refused, "the response body broke off");
  if (truncated) return failed(e, Failure::failed, "the response body is over 8 MiB");
  return o;
}

}  // namespace

Outcome fetch(const Effect& e) {
  Url url;
  if (!split_url(e.url, url)) return failed(e, Failure::failed, "not an absolute URL");
  Headers headers = e.headers;
  if (!e.body.empty() || e.method == "POST" || e.method == "PUT" || e.method == "PATCH")
    if (!header(headers, "content-length")) headers.emplace_back("Content-Length", std::to_string(e.body.size()));
  std::string refused;
  wh_handle req = wh_outgoing_request_new(fields_of(headers, refused));
  if (!address(req, e.method, url)) {
    wh_outgoing_request_drop(req);
    return failed(e, Failure::failed, "the runtime refused the request line of " + e.url.substr(0, 120));
  }
  wh_result_handle body{};
  wh_outgoing_request_body(req, &body);
  if (body.is_err) {
    wh_outgoing_request_drop(req);
    return failed(e, Failure::failed, "no request body");
  }
  // Sent first, then the body written and finished, as wasi:http streams a request.
  wh_ret_area sent{};
  wh_outgoing_handle(req, 1, options_for(e.timeout_ms), &sent);
  bool written = false;
  wh_result_handle stream{};
  wh_outgoing_body_write(body.value, &stream);
  if (!stream.is_err) {
    written = write_all(stream.value, e.body);
    wh_output_stream_drop(stream.value);
  }
  wh_ret_area finished{};
  wh_outgoing_body_finish(body.value, 0, 0, &finished);
  if (sent.bytes[0])
    return failed(e, failure_of(sent.bytes[8]), "wasi:http error-code " + std::to_string(sent.bytes[8]));
  wh_handle future;
  std::memcpy(&future, sent.bytes + 8, sizeof future);
  Outcome o = receive(e, future);
  if (o.ok() && (!written || finished.bytes[0]))
    return failed(e, Failure::failed, "the request body was not sent whole");
  return o;
}

}  // namespace mb::wasi_http
