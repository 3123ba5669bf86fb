// Reads the shared scenario files (tests/scenarios/*.json) for the native runner.
// The same files are replayed by the WASI command (tests/wasm) and the worker (tests/worker).
#pragma once
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "crypto.h"
#include "json_dom.h"
#include "kv_layout.h"
#include "wire.h"

namespace mb::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline Json read_json(const std::string& path) { return parse_json(read_text(path), 64).value_or(Json()); }

inline Vars vars_from_json(const Json& j) {
  Vars vars;
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.value().is_string()) vars[it.key()] = *it.value().get_ptr<const std::string*>();
  return vars;
}

// A seed's readable key ("account:test:acct_1", "account_membership:test:acct_1:email:a@b.c")
// built through src/kv_layout.h, as scripts/kv_layout.mjs does for the JS seeding tools: split on
// ':' into the row's number of parts, the last part taking the rest.
inline std::string layout_key(const std::string& readable) {
  std::vector<std::string> p;
  std::size_t at = 0;
  auto take = [&](bool rest) {
    std::size_t c = rest ? std::string::npos : readable.find(':', at);
    p.push_back(readable.substr(at, c == std::string::npos ? std::string::npos : c - at));
    at = c == std::string::npos ? readable.size() : c + 1;
  };
  take(false);  // the row
  const std::string row = p[0];
  Mode m = readable.compare(row.size() + 1, 5, "test:") == 0 ? Mode::test : Mode::live;
  if (row == "account" || row == "workspace_membership" || row == "user_by_email") {
    take(false), take(true);
    if (row == "account") return kv::account(m, p[2]);
    if (row == "workspace_membership") return kv::workspace_membership(m, p[2]);
    return kv::user_by_email(m, p[2]);
  }
  if (row == "account_membership") {
    take(false), take(false), take(true);
    if (p[3].rfind("email:", 0) == 0) return kv::membership(m, p[2], {kv::Member::By::email, p[3].substr(6)});
    return kv::membership(m, p[2], {kv::Member::By::user_id, p[3]});
  }
  return readable;  // other rows are not seeded
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
    out.push_back({mode, layout_key(key), it.value().is_string() ? it.value().get<std::string>() : dump(it.value())});
  }
  return out;
}

}  // namespace mb::testing
