// A JSON document tree for the hosts and the tests (scenario files, the WASI command's --ndjson
// mode and recordings, the browser preview's JSON): built by the core's strict reader, so
// duplicate keys and excessive depth are refused here too. The core itself never builds a tree.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace mb {

using Json = nlohmann::ordered_json;  // keeps key order: what is written reads back the same

std::optional<Json> parse_json(std::string_view text, int max_depth = 32);
// Serialises without ever aborting: invalid UTF-8 in a value is replaced, not thrown on.
std::string dump(const Json& j);

}  // namespace mb
