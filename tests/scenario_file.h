// Reads the shared scenario files (tests/scenarios/*.json) for the native runner.
// The same files are replayed by the WASI command (tests/wasm) and the worker (tests/worker).
#pragma once
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto.h"
#include "strict_json.h"
#include "wire.h"

namespace mb::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline Json read_json(const std::string& path) {
  ParsedJson p = parse_strict(read_text(path), 64);
  return p.fault == JsonFault::none ? p.value : Json();
}

inline std::string base64_std_decode(std::string s) {
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return base64url_decode(s).value_or("");
}

// The scenario request as the core's Request (body from "body", "json" or "body_base64").
inline Request scenario_request(const Json& r) {
  Request req;
  request_from_json(r, req);
  if (r.contains("json")) req.body = dump(r["json"]);
  if (r.contains("body_base64") && r["body_base64"].is_string())
    req.body = base64_std_decode(*r["body_base64"].get_ptr<const std::string*>());
  return req;
}

// (store, key, value) for every seed entry: api keys hashed, records as JSON text.
struct SeedEntry {
  std::string store, key, value;
};
inline std::vector<SeedEntry> seed_entries(const Json& seed) {
  std::vector<SeedEntry> out;
  for (auto it = seed["api_keys"].begin(); it != seed["api_keys"].end(); ++it) {
    std::string mode = it.key().find("_test_") != std::string::npos ? "test" : "live";
    out.push_back({mode, "apikey:" + sha256_hex(it.key()), dump(it.value())});
  }
  for (auto it = seed["records"].begin(); it != seed["records"].end(); ++it) {
    std::string key = it.key();
    std::size_t c1 = key.find(':');
    std::string mode = key.substr(c1 + 1, key.find(':', c1 + 1) - c1 - 1);
    out.push_back({mode, key, dump(it.value())});
  }
  return out;
}

}  // namespace mb::testing
