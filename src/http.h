// Plain HTTP values the hosts hand to the core and take back. No parsing of the wire here:
// each host gets method, target, headers and body from its own runtime.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mb {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;
  std::string target;  // path and query, e.g. "/v1/account-memberships/?account_id=acct_1"
  Headers headers;
  std::string body;             // at most max_body_bytes + 1 bytes: hosts stop reading past that
  bool body_truncated = false;  // the host saw more than it read
};

struct Response {
  int status = 500;
  Headers headers;
  std::string body;
};

bool iequals(std::string_view a, std::string_view b);
// The value of a header (case-insensitive name); nullopt when absent. `count` gets how many there were.
std::optional<std::string_view> header(const Headers& h, std::string_view name, int* count = nullptr);
std::string_view trim(std::string_view s);
// A comma list ("a, b,,c"): the items, trimmed, empty ones left out.
std::vector<std::string> split_list(std::string_view s);
// Percent-decodes a query component ('+' is a space); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace mb
