// HTTP/1.1 on stdin/stdout for the WASI command: one request in, one response out.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "http.h"

namespace mb::wasi {

enum class ParseResult { ok, malformed, too_large };  // too_large: 431

// Parses a complete request held in `raw` (request line, headers, blank line, Content-Length
// body). Bodies beyond max_body are cut and marked truncated.
ParseResult parse_request(std::string_view raw, std::size_t max_body, Request& out, std::string& why);

std::string format_response(const Response& r);

}  // namespace mb::wasi
