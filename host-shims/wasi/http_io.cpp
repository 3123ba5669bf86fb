#include "http_io.h"

#include <algorithm>

namespace mb::wasi {

namespace {
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxHeaders = 4096;  // the core answers more than 256 with 431

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
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
  std::size_t end = raw.find("\r\n\r\n");
  std::size_t sep = 4;
  if (end == std::string_view::npos) {
    end = raw.find("\n\n");
    sep = 2;
  }
  if (end == std::string_view::npos && raw.size() <= kMaxHeaderBytes) {
    why = "no blank line after the headers";
    return ParseResult::malformed;
  }
  if (end == std::string_view::npos || end > kMaxHeaderBytes) {
    why = "header section over 64 KiB";
    return ParseResult::too_large;
  }
  std::string_view head = raw.substr(0, end);
  std::string_view rest = raw.substr(end + sep);

  auto next_line = [&head]() {
    std::size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  std::string_view line = next_line();
  std::size_t s1 = line.find(' ');
  std::size_t s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
  if (s2 == std::string_view::npos || line.find(' ', s2 + 1) != std::string_view::npos) {
    why = "bad request line";
    return ParseResult::malformed;
  }
  std::string_view method = line.substr(0, s1), target = line.substr(s1 + 1, s2 - s1 - 1),
                   version = line.substr(s2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), token_char) || target.empty() ||
      (target[0] != '/' && target != "*") || (version != "HTTP/1.1" && version != "HTTP/1.0")) {
    why = "bad request line";
    return ParseResult::malformed;
  }
  for (char c : target)
    if (c <= 0x20 || c >= 0x7F) {
      why = "bad request target";
      return ParseResult::malformed;
    }
  out.method = std::string(method);
  out.target = std::string(target);

  while (!head.empty()) {
    std::string_view h = next_line();
    std::size_t colon = h.find(':');
    if (colon == 0 || colon == std::string_view::npos) {
      why = "bad header line";
      return ParseResult::malformed;
    }
    std::string_view name = h.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), token_char)) {
      why = "bad header name";
      return ParseResult::malformed;
    }
    std::string_view value = trim(h.substr(colon + 1));
    for (char c : value)
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        why = "control character in a header";
        return ParseResult::malformed;
      }
    if (out.headers.size() >= kMaxHeaders) {
      why = "more than 4096 headers";
      return ParseResult::too_large;
    }
    out.headers.emplace_back(std::string(name), std::string(value));
  }
  if (header(out.headers, "transfer-encoding")) {
    why = "Transfer-Encoding is not supported";
    return ParseResult::malformed;
  }
  int cl_count = 0;
  auto cl = header(out.headers, "content-length", &cl_count);
  std::size_t length = 0;
  if (cl) {
    if (cl_count > 1 || cl->empty() || cl->size() > 15 ||
        !std::all_of(cl->begin(), cl->end(), [](char c) { return c >= '0' && c <= '9'; })) {
      why = "bad Content-Length";
      return ParseResult::malformed;
    }
    for (char c : *cl) length = length * 10 + std::size_t(c - '0');
  } else if (!rest.empty()) {
    length = rest.size();  // no Content-Length: the body is what follows (HTTP/1.0 style)
  }
  if (length <= max_body) {
    if (rest.size() < length) {
      why = "body shorter than Content-Length";
      return ParseResult::malformed;
    }
    out.body = std::string(rest.substr(0, length));
  } else {
    out.body = std::string(rest.substr(0, max_body + 1));
    out.body_truncated = true;
  }
  return ParseResult::ok;
}

std::string format_response(const Response& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
  out += r.body;
  return out;
}

}  // namespace mb::wasi
