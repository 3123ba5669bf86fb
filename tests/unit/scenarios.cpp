// Replays tests/scenarios/*.json through the core with the in-memory host.
#include <doctest/doctest.h>

#include <filesystem>

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
    int replayed = 0;
    for (const fs::path& file : files) {
      Json doc = testing::read_json(file.string());
      REQUIRE_MESSAGE(doc.is_object(), file.string());
      native::MemoryHost host;
      for (const auto& s : testing::seed_entries(seed)) host.seed(s.store, s.key, s.value);
      Engine engine(testing::vars_from_json(doc["vars"]));
      for (const Json& c : doc["cases"]) {
        if (c.contains("hosts")) {
          // A case leaves some hosts out only with a reason: nothing is skipped silently.
          CHECK_MESSAGE(c.contains("hosts_reason"), "case lists hosts without hosts_reason: " << c["name"]);
          bool mine = false;
          for (const Json& h : c["hosts"]) mine = mine || h == "native";
          if (!mine) continue;
        }
        Response r = host.run(engine, testing::scenario_request(c["request"]));
        check_case(c, r);
        if (c.contains("kv_exists"))
          for (const Json& k : c["kv_exists"]) {
            const std::string& key = *k.get_ptr<const std::string*>();
            std::string store = key.substr(key.find(':') + 1, 4);
            CHECK_MESSAGE(host.get(store, testing::layout_key(key)) != nullptr, "missing KV record " << key);
          }
        ++replayed;
      }
    }
    MESSAGE("replayed " << replayed << " scenario cases");
    CHECK(replayed >= 80);
  }
}
