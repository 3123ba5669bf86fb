// Strict JSON for untrusted text: nlohmann's SAX parser with a builder that refuses duplicate
// keys and nesting deeper than a limit as they are seen (no exceptions, no recursion).
#pragma once
#include <nlohmann/json.hpp>
#include <string_view>

namespace mb {

using Json = nlohmann::ordered_json;  // keeps key order: envelopes and stored records are byte-exact

enum class JsonFault { none, invalid_utf8, syntax, duplicate_key, too_deep };

struct ParsedJson {
  JsonFault fault = JsonFault::none;
  Json value;
};

inline constexpr int kMaxJsonDepth = 32;

// Whole-text UTF-8 check (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

ParsedJson parse_strict(std::string_view text, int max_depth = kMaxJsonDepth);

// Serialises without ever aborting: invalid UTF-8 in a value is replaced, not thrown on.
std::string dump(const Json& j);

}  // namespace mb
