#include "request_checks.h"

#include <algorithm>

#include "context.h"
#include "cors.h"
#include "preview.h"

namespace mb {

namespace {

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view query_of(std::string_view target) {
  std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  return query.substr(0, query.find('#'));
}

// application/json, parameters allowed (a charset other than UTF-8 is not).
bool json_media_type(std::optional<std::string_view> ct) {
  if (!ct) return false;
  std::size_t semi = ct->find(';');
  if (!iequals(trim(ct->substr(0, semi)), "application/json")) return false;
  std::string_view params = semi == std::string_view::npos ? std::string_view() : ct->substr(semi + 1);
  while (!params.empty()) {
    std::size_t next = params.find(';');
    std::string_view param = trim(params.substr(0, next));
    std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "charset")) {
      std::string_view cs = trim(param.substr(eq + 1));
      if (cs.size() >= 2 && cs.front() == '"' && cs.back() == '"') cs = cs.substr(1, cs.size() - 2);
      if (!iequals(cs, "utf-8") && !iequals(cs, "utf8")) return false;
    }
    if (next == std::string_view::npos) break;
    params.remove_prefix(next + 1);
  }
  return true;
}

// The declared size: a plain decimal number (however many digits) or 400; over the limit 413.
Status check_size(const Request& req, const Config& cfg) {
  int count = 0;
  if (auto cl = header(req.headers, "content-length", &count)) {
    std::string_view v = trim(*cl);
    if (count > 1 || v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return Error::invalid_content_length;
    while (v.size() > 1 && v.front() == '0') v.remove_prefix(1);
    std::size_t declared = 0;
    if (v.size() > 18) return Error::body_too_large;  // beyond any limit (MAX_BODY_BYTES <= 1 MiB)
    for (char c : v) declared = declared * 10 + static_cast<std::size_t>(c - '0');
    if (declared > cfg.max_body_bytes) return Error::body_too_large;
  }
  if (req.body_truncated || req.body.size() > cfg.max_body_bytes) return Error::body_too_large;
  return {};
}

// account_id from the query string: 400 when missing, repeated or malformed.
Result<std::string> read_account_id(std::string_view query) {
  int seen = 0;
  std::string account_id;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::optional<std::string> name = percent_decode(pair.substr(0, eq));
    if (name && *name == "account_id") {
      if (++seen > 1) return Error::invalid_account_id;
      std::optional<std::string> value =
          percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      if (!value) return Error::invalid_account_id;
      account_id = std::move(*value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if (seen == 0 || account_id.empty()) return Error::missing_account_id;
  if (!valid_account_id(account_id)) return Error::invalid_account_id;
  return account_id;
}

// A key character: printable ASCII but '"', '\' and ','. A ',' is how a runtime that joins
// repeated header lines (the Workers Headers object: "a, b") shows a second line, so every host
// can refuse a repeated header; without '"' and '\' a quoted key needs no unescaping.
bool idempotency_key_char(char c) { return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\' && c != ','; }

// Idempotency-Key: absent, or once, bare (abc) or as a structured-field string ("abc", the IETF
// draft's form), which is the same key; 1-255 key characters.
Result<std::string> read_idempotency_key(const Headers& headers) {
  int count = 0;
  auto value = header(headers, "idempotency-key", &count);
  if (!value) return std::string();
  std::string_view k = trim(*value);
  if (k.size() >= 2 && k.front() == '"' && k.back() == '"') k = k.substr(1, k.size() - 2);
  bool ok = count == 1 && !k.empty() && k.size() <= kMaxIdempotencyKeyChars &&
            std::all_of(k.begin(), k.end(), idempotency_key_char);
  if (!ok) return Error::invalid_idempotency_key;
  return std::string(k);
}

}  // namespace

bool valid_account_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Status check_header_limits(const Headers& headers) {
  if (headers.size() > kMaxRequestHeaders) return Error::headers_too_large;
  std::size_t bytes = 0;
  for (const auto& [name, value] : headers) bytes += name.size() + value.size();
  if (bytes > kMaxRequestHeaderBytes) return Error::headers_too_large;
  return {};
}

Result<Route> route(const Request& req) {
  std::string_view path = path_of(req.target);
  if (path == kConfigPath || path == kSignaturesDirectoryPath) {
    if (req.method == "GET" || req.method == "HEAD")
      return path == kConfigPath ? Route::config : Route::signatures_directory;
    Problem p = problem(Error::method_not_allowed);
    p.headers.emplace_back("Allow", "GET, HEAD");
    return p;
  }
  if (path != kEndpointPath && path != kEndpointPath.substr(0, kEndpointPath.size() - 1)) return Error::not_found;
  if (req.method == "OPTIONS") return Route::preflight;
  if (req.method != "POST") {
    Problem p = problem(Error::method_not_allowed);
    p.headers.emplace_back("Allow", "POST, OPTIONS");
    return p;
  }
  return Route::endpoint;
}

Result<CheckedRequest> check_request(const Request& req, const Config& cfg) {
  if (!json_media_type(header(req.headers, "content-type"))) return Error::unsupported_media_type;
  MB_TRY(check_size(req, cfg));
  CheckedRequest out;
  MB_ASSIGN_OR_RETURN(out.request.account_id, read_account_id(query_of(req.target)));
  MB_ASSIGN_OR_RETURN(out.idempotency_key, read_idempotency_key(req.headers));
  MB_TRY(read_body(req.body, cfg, out.request));
  return out;
}

Result<Flow> run_route(Context& ctx) {
  MB_TRY(check_header_limits(ctx.req.headers));
  if (!ctx.cfg.error.empty()) return problem(Error::configuration_error, "configuration error: " + ctx.cfg.error);
  MB_ASSIGN_OR_RETURN(Route r, route(ctx.req));
  switch (r) {
    case Route::endpoint:
      return Flow::next;
    case Route::config:
      return ctx.respond(200, config_document(ctx.cfg), {{"Cache-Control", "max-age=60"}});
    case Route::signatures_directory:  // public keys only; 404 when no key is configured
      if (ctx.cfg.signatures_directory.empty()) return Error::not_found;
      return ctx.respond(200, ctx.cfg.signatures_directory,
                         {{"Content-Type", std::string(kSignaturesDirectoryType)}, {"Cache-Control", "max-age=300"}});
    case Route::preflight: {
      Headers h;
      add_preflight_headers(ctx.cfg, ctx.req.headers, h);
      ctx.preflight = true;
      return ctx.respond(204, "", std::move(h));
    }
  }
  return Flow::next;
}

Result<Flow> run_request_checks(Context& ctx) {
  MB_ASSIGN_OR_RETURN(ctx.checked, check_request(ctx.req, ctx.cfg));
  return Flow::next;
}

}  // namespace mb
