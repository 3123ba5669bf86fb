// What the native tests share: the seeded in-memory host, requests, tokens, answers read back.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "crypto.h"
#include "exchange.h"
#include "memory_host.h"
#include "scenario_file.h"

namespace mb::testing {

inline const char* kKey = "sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc";
inline const char* kLiveKey = "sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc";
inline const std::string kHsSecret = "0123456789abcdef0123456789abcdef";

inline native::MemoryHost seeded_host() {
  native::MemoryHost host;
  Json seed = read_json(std::string(MB_SOURCE_DIR) + "/tests/scenarios/seed.json");
  for (const auto& s : seed_entries(seed)) host.seed(s.store, s.key, s.value);
  return host;
}

inline Request create(const std::string& body, const std::string& key = kKey, Headers extra = {},
                      const std::string& account = "acct_1") {
  Request r;
  r.method = "POST";
  r.target = "/v1/account-memberships/?account_id=" + account;
  r.headers = {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}};
  for (auto& h : extra) r.headers.push_back(h);
  r.body = body;
  return r;
}

inline Json body_of(const Response& r) { return parse_json(r.body).value_or(Json()); }

inline int code_of(const Response& r) {
  Json b = body_of(r);
  if (!b.is_object() || !b.contains("error")) return 0;
  const Json& code = b["error"]["code"];
  return code.is_number_integer() ? static_cast<int>(code.get<std::int64_t>()) : 0;
}

inline int code(Error e) { return info(e).code; }

inline std::vector<std::string> keys_of(const std::vector<Effect>& round) {
  std::vector<std::string> out;
  for (const Effect& e : round) out.push_back(std::string(kind_name(e.kind)) + " " + e.key);
  std::sort(out.begin(), out.end());
  return out;
}

// Every effect of every round (and the background writes) of the host's last request.
inline std::vector<Effect> all_effects(const native::MemoryHost& host) {
  std::vector<Effect> out;
  for (const auto& round : host.rounds) out.insert(out.end(), round.begin(), round.end());
  out.insert(out.end(), host.background.begin(), host.background.end());
  return out;
}

// The JWT settings the token helpers sign for.
inline Vars jwt_vars(Vars extra = {}) {
  Vars v{{"ROUTING", "edge"},
         {"JWT_HS256_SECRET", kHsSecret},
         {"JWT_ISSUER", "https://auth.example.com/"},
         {"JWT_AUDIENCE", "memberships-api"}};
  for (auto& [k, val] : extra) v[k] = val;
  return v;
}

inline std::string sign_hs256(const Json& header, const Json& claims, const std::string& secret = kHsSecret) {
  std::string input = base64url_encode(dump(header)) + "." + base64url_encode(dump(claims));
  Sha256 mac = hmac_sha256(secret, input);
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

// Claims the jwt_vars() edge accepts (test mode, acct_1), with `extra` merged in.
inline Json claims(std::int64_t now_s, Json extra = Json::object()) {
  Json c = Json::object();
  c["iss"] = "https://auth.example.com/";
  c["aud"] = "memberships-api";
  c["sub"] = "user_42";
  c["exp"] = now_s + 600;
  c["account_ids"] = Json::array({"acct_1"});
  c["livemode"] = false;
  for (auto it = extra.begin(); it != extra.end(); ++it) c[it.key()] = it.value();
  return c;
}

inline std::string hs256_token(std::int64_t now_s, Json extra = Json::object()) {
  Json header = Json::object();
  header["alg"] = "HS256";
  header["typ"] = "JWT";
  return sign_hs256(header, claims(now_s, std::move(extra)));
}

}  // namespace mb::testing
