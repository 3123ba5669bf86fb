// The WASI command's request reader. llhttp (Node's HTTP/1.1 parser, from Debian's node-llhttp,
// compiled with LLHTTP_STRICT_MODE=1, see CMakeLists.txt) does the parsing; the callbacks below
// collect the request and add the checks llhttp leaves to its caller. docs/wasi.md lists what is
// refused.
#include "http_io.h"

#include <llhttp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace mb::wasi {

namespace {
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;                // request line and headers, before the blank line
constexpr std::size_t kMaxHeaders = 4096;                         // the core answers more than 256 with 431
constexpr std::uint64_t kMaxContentLength = 999'999'999'999'999;  // 15 digits, as before llhttp

// What the callbacks collect. Every span llhttp reports points into `raw` (the two slices fed to
// llhttp_execute are parts of one buffer), so the request line's shape is checked on pointers.
struct Reader {
  Reader(Request& request, std::size_t max_body_bytes, const char* raw)
      : out(request), max_body(max_body_bytes), raw_begin(raw) {}
  Request& out;
  std::size_t max_body;
  const char* raw_begin;
  const char* method_begin = nullptr;
  const char* method_end = nullptr;
  const char* url_begin = nullptr;
  const char* url_end = nullptr;
  std::string field;
  bool headers_done = false;
  const char* body_begin = nullptr;
  bool complete = false;
  bool body_cut = false;                  // max_body + 1 bytes kept: the rest is not read (413)
  ParseResult refusal = ParseResult::ok;  // set by a callback that refuses; it then returns -1
  const char* why = nullptr;

  int refuse(ParseResult result, const char* text) {
    refusal = result;
    why = text;
    return -1;
  }
};

Reader& reader(llhttp_t* p) { return *static_cast<Reader*>(p->data); }

int on_method(llhttp_t* p, const char* at, std::size_t n) {
  Reader& r = reader(p);
  if (!r.method_begin) r.method_begin = at;
  r.out.method.append(at, n);
  r.method_end = at + n;
  return 0;
}

int on_url(llhttp_t* p, const char* at, std::size_t n) {
  Reader& r = reader(p);
  if (!r.url_begin) r.url_begin = at;
  r.out.target.append(at, n);
  r.url_end = at + n;
  return 0;
}

// llhttp 8 also takes `RTSP/1.0` and `ICE/1.0` request lines and runs of spaces between the parts.
// The rule stays "METHOD SP target SP HTTP/1.x": the version's digits must follow the target's
// last byte after exactly " HTTP/", and the target the method after exactly one space.
int on_version(llhttp_t* p, const char* at, std::size_t) {
  Reader& r = reader(p);
  constexpr std::string_view kGap = " HTTP/";
  if (!r.method_end || r.url_begin != r.method_end + 1 || !r.url_end ||
      static_cast<std::size_t>(at - r.raw_begin) < kGap.size() || at - kGap.size() != r.url_end ||
      std::memcmp(at - kGap.size(), kGap.data(), kGap.size()) != 0)
    return r.refuse(ParseResult::malformed, "bad request line");
  return 0;
}

int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  reader(p).field.append(at, n);
  return 0;
}

int on_header_field_complete(llhttp_t* p) {
  Reader& r = reader(p);
  if (r.out.headers.size() >= kMaxHeaders) return r.refuse(ParseResult::too_large, "more than 4096 headers");
  if (r.field.empty()) return r.refuse(ParseResult::malformed, "empty header name");  // llhttp 8 takes ": v"
  r.out.headers.emplace_back(std::move(r.field), std::string());
  r.field.clear();
  return 0;
}

int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  reader(p).out.headers.back().second.append(at, n);
  return 0;
}

// llhttp (strict) refuses control characters and DEL in values but lets obs-text (0x80-0xFF)
// through; the hand-written parser this replaces refused those bytes too, and so does this one.
int on_header_value_complete(llhttp_t* p) {
  Reader& r = reader(p);
  std::string& value = r.out.headers.back().second;
  value = std::string(trim(value));
  for (char c : value)
    if (static_cast<unsigned char>(c) >= 0x80) return r.refuse(ParseResult::malformed, "non-ASCII byte in a header");
  return 0;
}

int on_headers_complete(llhttp_t* p) {
  Reader& r = reader(p);
  r.headers_done = true;
  // HTTP/0.9 ("GET /" alone) and 2.0 get through llhttp's version check.
  if (p->http_major != 1 || p->http_minor > 1) return r.refuse(ParseResult::malformed, "not HTTP/1.0 or HTTP/1.1");
  // Origin-form only: no absolute-form (`http://host/path`), authority-form (CONNECT) or `*`.
  if (r.out.target.empty() || r.out.target[0] != '/')
    return r.refuse(ParseResult::malformed, "request target not in origin-form");
  // Any Transfer-Encoding, chunked or not (with Content-Length too, llhttp refuses the pair
  // itself first: HPE_UNEXPECTED_CONTENT_LENGTH): the command takes Content-Length bodies only.
  if (header(r.out.headers, "transfer-encoding"))
    return r.refuse(ParseResult::malformed, "Transfer-Encoding is not supported");
  if (p->flags & F_CONTENT_LENGTH) {
    if (p->content_length > kMaxContentLength) return r.refuse(ParseResult::malformed, "bad Content-Length");
    if (p->content_length > r.max_body) r.out.body_truncated = true;
  }
  return 0;
}

int on_body(llhttp_t* p, const char* at, std::size_t n) {
  Reader& r = reader(p);
  if (!r.body_begin) r.body_begin = at;
  r.out.body.append(at, std::min(n, r.max_body + 1 - r.out.body.size()));
  if (r.out.body.size() > r.max_body) {
    r.body_cut = true;
    return -1;  // stop here (llhttp: HPE_USER); parse_request sees body_cut
  }
  return 0;
}

// Pauses at the end of the message, so that llhttp_execute returns where it ended (error_pos)
// instead of reading what follows as a second request.
int on_message_complete(llhttp_t* p) {
  reader(p).complete = true;
  return HPE_PAUSED;
}

// The header section, from the method to `end` (where the body starts, or where the message ends
// when there is none): every line ends with CR LF, and there is one line per header.
// - obs-fold (a line starting with a space or tab continues the previous value): llhttp 8 (strict)
//   joins it to the value; the hand-written parser refused it, and so does this.
// - bare LF: llhttp (strict) refuses it after a header value but takes it after the request line
//   and as the blank line. The hand-written parser took it everywhere; one rule now: CR LF only.
bool line_ends_ok(const Reader& r, const char* end) {
  std::size_t lines = 0;
  for (const char* c = r.method_begin; c < end; ++c) {
    if (*c != '\n') continue;
    if (c == r.method_begin || c[-1] != '\r') return false;
    ++lines;
  }
  return lines == r.out.headers.size() + 2;  // request line, headers, blank line
}

llhttp_settings_t make_settings() {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_method = on_method;
  s.on_url = on_url;
  s.on_version = on_version;
  s.on_header_field = on_header_field;
  s.on_header_field_complete = on_header_field_complete;
  s.on_header_value = on_header_value;
  s.on_header_value_complete = on_header_value_complete;
  s.on_headers_complete = on_headers_complete;
  s.on_body = on_body;
  s.on_message_complete = on_message_complete;
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}
}  // namespace

ParseResult parse_request(std::string_view raw, std::size_t max_body, Request& out, std::string& why) {
  static const llhttp_settings_t settings = make_settings();  // llhttp keeps a pointer to it
  llhttp_t parser;
  llhttp_init(&parser, HTTP_REQUEST, &settings);
  // Strict: no leniency (llhttp_init leaves every flag off; said here so that none is turned on
  // unawares). llhttp 8.1 has no setter for LENIENT_VERSION; it is off after llhttp_init too.
  llhttp_set_lenient_headers(&parser, 0);
  llhttp_set_lenient_chunked_length(&parser, 0);
  llhttp_set_lenient_keep_alive(&parser, 0);
  llhttp_set_lenient_transfer_encoding(&parser, 0);
  Reader r(out, max_body, raw.data());
  parser.data = &r;

  // llhttp has no size limit of its own. The first slice holds at most 64 KiB of request line and
  // headers plus the CR LF CR LF ending them: headers that have not ended by then are too large.
  std::string_view head = raw.substr(0, kMaxHeaderBytes + 4);
  std::string_view tail = raw.substr(head.size());
  llhttp_errno_t err = llhttp_execute(&parser, head.data(), head.size());
  if (err == HPE_OK && !r.headers_done && !tail.empty()) {
    why = "header section over 64 KiB";
    return ParseResult::too_large;
  }
  if (err == HPE_OK && !tail.empty()) err = llhttp_execute(&parser, tail.data(), tail.size());

  if (r.refusal != ParseResult::ok) {  // one of the checks above (llhttp: HPE_USER or HPE_CB_*)
    why = r.why;
    return r.refusal;
  }
  if (r.headers_done && !line_ends_ok(r, r.body_begin ? r.body_begin
                                         : r.complete ? llhttp_get_error_pos(&parser)
                                                      : raw.data() + raw.size())) {
    why = "bare LF or obs-fold in the header section";
    return ParseResult::malformed;
  }
  if (r.body_cut) return ParseResult::ok;  // max_body + 1 bytes and body_truncated: the core answers 413
  switch (err) {
    case HPE_OK:  // all input read, the message not complete (a complete one pauses)
      if (!r.headers_done) {
        why = raw.empty() ? "empty request" : "no blank line after the headers";
        return ParseResult::malformed;
      }
      if (out.body_truncated) return ParseResult::ok;  // Content-Length over max_body: 413, not read further
      why = "body shorter than Content-Length";
      return ParseResult::malformed;
    case HPE_PAUSED:          // on_message_complete: the request ended at error_pos
    case HPE_PAUSED_UPGRADE:  // not reached: CONNECT is refused (not origin-form) and with
                              // `Upgrade` the message-complete pause comes first. The Upgrade
                              // header is ignored (RFC 9110 §7.8 lets a server do so) and the
                              // request answered as an ordinary one.
    {
      if (!r.complete) break;
      // One request per run: what follows it would be a second request (or a body longer than its
      // Content-Length), which this command would never answer. Refused rather than dropped.
      // Empty lines are allowed, as between requests on a connection (RFC 9112 §2.2).
      const char* end = raw.data() + raw.size();
      if (std::any_of(llhttp_get_error_pos(&parser), end, [](char c) { return c != '\r' && c != '\n'; })) {
        why = "bytes after the end of the request";
        return ParseResult::malformed;
      }
      return ParseResult::ok;
    }
    default:
      break;
  }
  // llhttp's own refusals, e.g. HPE_INVALID_METHOD (garbage, an unknown or lower-case method),
  // HPE_INVALID_URL (a non-ASCII or control byte in the target), HPE_INVALID_VERSION (HTTP/1.2),
  // HPE_INVALID_HEADER_TOKEN (a control byte or DEL in a value, a bad name, a space before the
  // colon, a bare LF after a value), HPE_UNEXPECTED_SPACE (whitespace before the first header),
  // HPE_INVALID_CONTENT_LENGTH (not digits, empty, overflow), HPE_UNEXPECTED_CONTENT_LENGTH (two
  // Content-Length, or one with Transfer-Encoding), HPE_PAUSED_H2_UPGRADE (the HTTP/2 preface).
  const char* text = llhttp_get_error_reason(&parser);
  why = std::string("llhttp ") + llhttp_errno_name(err) + ": " + (text ? text : "");
  return ParseResult::malformed;
}

std::string format_response(const Response& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
  out += r.body;
  return out;
}

}  // namespace mb::wasi
