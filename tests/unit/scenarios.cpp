// Replays tests/scenarios/*.json through the core with the in-memory host: answers, KV records,
// scripted outcomes (faults, the origin's answer) and the expected effect trace.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>

#include "envelope.h"
#include "memory_host.h"
#include "scenario_file.h"

using namespace mb;

namespace {

std::string header_value(const Response& r, const std::string& name) {
  auto v = header(r.headers, name);
  return v ? std::string(*v) : std::string("<absent>");
}

// Subset match: every member of `want` equals the same member of `got` (recursively for objects).
bool subset(const Json& want, const Json& got, std::string& where) {
  if (want.is_object()) {
    if (!got.is_object()) return false;
    for (auto it = want.begin(); it != want.end(); ++it) {
      where = it.key();
      if (!got.contains(it.key()) || !subset(it.value(), got[it.key()], where)) return false;
    }
    return true;
  }
  return want == got;
}

void check_case(const Json& c, const Response& r) {
  const std::string name = *c["name"].get_ptr<const std::string*>();
  const Json& e = c["expect"];
  INFO("case: " << name << "\nbody: " << r.body);
  CHECK(r.status == e["status"].get_ref<const Json::number_integer_t&>());
  CHECK(header_value(r, "Content-Type") == "application/json");
  CHECK(header_value(r, "X-Request-Id") != "<absent>");
  std::optional<Json> parsed = parse_json(r.body);
  if (r.status != 204) REQUIRE(parsed.has_value());
  Json body = parsed.value_or(Json());
  if (e.contains("code")) {
    CHECK(body["success"] == false);
    CHECK(body["error"]["code"] == e["code"]);
    CHECK(body["message"] == body["error"]["message"]);
    CHECK(body["error"]["details"].is_object());
  }
  if (e.contains("errors")) {
    Json got = Json::array();
    for (const Json& fe : body["error"]["details"]["errors"]) got.push_back(Json::array({fe["field"], fe["reason"]}));
    CHECK(dump(got) == dump(e["errors"]));
  }
  if (e.contains("data")) {
    std::string where;
    CHECK(body["success"] == true);
    CHECK_MESSAGE(subset(e["data"], body["data"], where), "data differs at " << where);
    const Json& id = body["data"]["id"];
    CHECK((id.is_string() && id.get_ptr<const std::string*>()->size() == 27 &&
           id.get_ptr<const std::string*>()->rfind("am_", 0) == 0));
  }
  if (e.contains("headers"))
    for (auto it = e["headers"].begin(); it != e["headers"].end(); ++it)
      CHECK_MESSAGE(header_value(r, it.key()) == *it.value().get_ptr<const std::string*>(), "header " << it.key());
  if (e.contains("absent_headers"))
    for (const Json& h : e["absent_headers"]) CHECK(header_value(r, *h.get_ptr<const std::string*>()) == "<absent>");
  if (e.contains("header_prefix"))
    for (auto it = e["header_prefix"].begin(); it != e["header_prefix"].end(); ++it)
      CHECK(header_value(r, it.key()).rfind(*it.value().get_ptr<const std::string*>(), 0) == 0);
}

const std::string& text(const Json& j) { return *j.get_ptr<const std::string*>(); }

// The case's scripted faults (outcomes.faults): names of docs/configuration.md's FAULTS.
std::set<std::string> case_faults(const Json& c) {
  std::set<std::string> out;
  if (c.contains("outcomes") && c["outcomes"].contains("faults"))
    for (const Json& f : c["outcomes"]["faults"]) out.insert(text(f));
  return out;
}

// This host's facts, as the WASI command has them: a write authority (the map), and a rate
// limiter to ask only when a rate_limit fault scripts one.
Vars host_vars(const Json& doc_vars, const std::set<std::string>& faults) {
  Vars vars = testing::vars_from_json(doc_vars);
  vars["HOST_WRITE_AUTHORITY"] = "1";
  if (faults.count("rate_limit:throw") || faults.count("rate_limit:deny")) vars["HOST_RATE_LIMITER_PERIOD"] = "60";
  return vars;
}

// An effect line as scenario files write it: an API key's hash shown as sha256(<the key>) when the
// key is one of `tokens`.
std::string readable(std::string line, const std::vector<std::string>& tokens) {
  std::size_t at = line.find(" apikey:");
  if (at == std::string::npos) return line;
  for (const std::string& t : tokens)
    if (line.compare(at + 8, std::string::npos, sha256_hex(t)) == 0)
      return line.substr(0, at + 8) + "sha256(" + t + ")";
  return line;
}

// The keys a trace may name: the seed's, and the request's own bearer credential.
std::vector<std::string> known_tokens(const Json& seed, const Json& request) {
  std::vector<std::string> out;
  for (auto it = seed["api_keys"].begin(); it != seed["api_keys"].end(); ++it) out.push_back(it.key());
  if (request.contains("headers"))
    for (auto it = request["headers"].begin(); it != request["headers"].end(); ++it)
      if (iequals(it.key(), "authorization") && it.value().is_string() && text(it.value()).rfind("Bearer ", 0) == 0)
        out.push_back(text(it.value()).substr(7));
  return out;
}

void check_effects(const Json& c, const native::MemoryHost& host, const std::vector<std::string>& tokens) {
  Json got = Json::object();
  got["rounds"] = Json::array();
  for (const auto& round : host.rounds) {
    Json& lines = got["rounds"].emplace_back(Json::array());
    for (const Effect& e : round) lines.push_back(readable(effect_line(e), tokens));
  }
  got["background"] = Json::array();
  for (const Effect& e : host.background) got["background"].push_back(readable(effect_line(e), tokens));
  Json want = c["effects"];
  if (!want.contains("background")) want["background"] = Json::array();
  CHECK_MESSAGE(dump(got) == dump(want), "effects of " << text(c["name"]) << "\n got: " << dump(got));
}

// Runs one case with its scripted outcomes and checks everything it expects.
void replay(const Json& doc, const Json& c, const Json& seed, native::MemoryHost& host,
            std::map<bool, std::unique_ptr<Engine>>& engines) {
  std::set<std::string> faults = case_faults(c);
  const Json doc_vars = doc.contains("vars") ? doc["vars"] : Json::object();
  if (!faults.empty())  // the other hosts honour faults only then
    CHECK_MESSAGE(doc_vars.value("ALLOW_FAULT_INJECTION", std::string()) == "true",
                  "faults without ALLOW_FAULT_INJECTION=true: " << text(c["name"]));
  Vars vars = host_vars(doc_vars, faults);
  auto& engine = engines[vars.count("HOST_RATE_LIMITER_PERIOD") > 0];
  if (!engine) engine = std::make_unique<Engine>(vars);
  if (c.contains("outcomes") && c["outcomes"].contains("records"))  // stored before the request, as seeded
    for (const auto& s :
         testing::seed_entries(Json{{"api_keys", Json::object()}, {"records", c["outcomes"]["records"]}}))
      host.seed(s.store, s.key, s.value);
  host.faults = faults;
  host.fetch = nullptr;  // no scripted origin: refused, as the WASI command without a recording
  if (c.contains("outcomes") && c["outcomes"].contains("origin"))
    host.fetch = [answer = outcome_from_recording(c["outcomes"]["origin"])](const Effect&) { return answer; };
  Response r = host.run(*engine, testing::scenario_request(c["request"]));
  check_case(c, r);
  if (c.contains("kv_exists"))
    for (const Json& k : c["kv_exists"]) {
      const std::string& key = text(k);
      std::string store = key.substr(key.find(':') + 1, 4);
      CHECK_MESSAGE(host.get(store, testing::layout_key(key)) != nullptr, "missing KV record " << key);
    }
  if (c.contains("effects")) check_effects(c, host, known_tokens(seed, c["request"]));
}

// A case's hosts (its own list, else its file's): a list comes only with a reason.
bool for_native(const Json& doc, const Json& c) {
  const Json& where = c.contains("hosts") ? c : doc;
  if (!where.contains("hosts")) return true;
  CHECK_MESSAGE(where.contains("hosts_reason"), "hosts without hosts_reason: " << c["name"]);
  for (const Json& h : where["hosts"])
    if (h == "native") return true;
  return false;
}

}  // namespace

TEST_SUITE("scenario") {
  TEST_CASE("shared scenario files replay through the native host") {
    namespace fs = std::filesystem;
    std::string dir = std::string(MB_SOURCE_DIR) + "/tests/scenarios";
    Json seed = testing::read_json(dir + "/seed.json");
    REQUIRE(seed.is_object());
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string()[0] >= '0' && entry.path().filename().string()[0] <= '9')
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 2);
    int replayed = 0, traced = 0;
    for (const fs::path& file : files) {
      Json doc = testing::read_json(file.string());
      REQUIRE_MESSAGE(doc.is_object(), file.string());
      native::MemoryHost host;
      for (const auto& s : testing::seed_entries(seed)) host.seed(s.store, s.key, s.value);
      std::map<bool, std::unique_ptr<Engine>> engines;  // by "has a rate limiter"
      for (const Json& c : doc["cases"]) {
        if (!for_native(doc, c)) continue;
        replay(doc, c, seed, host, engines);
        ++replayed;
        traced += c.contains("effects");
      }
    }
    MESSAGE("replayed " << replayed << " scenario cases, " << traced << " with their effect trace");
    CHECK(replayed >= 80);
    CHECK(traced >= 10);
  }
}
