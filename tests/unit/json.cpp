// The strict JSON reader and the writer the core uses instead of a document tree.
#include <doctest/doctest.h>

#include "json_dom.h"
#include "json_reader.h"
#include "json_writer.h"
#include "records.h"

using namespace mb;

namespace {
class Counter final : public json::Visitor {
 public:
  int values = 0, closes = 0;
  void value(const json::Path&, json::Value&) override { ++values; }
  void close(const json::Path&, json::Type) override { ++closes; }
};
json::Fault fault_of(std::string_view text, int depth = json::kMaxDepth) {
  Counter c;
  return json::read(text, c, depth);
}
}  // namespace

TEST_CASE("the reader refuses duplicates at any depth, depth over the cap, bad UTF-8, trailing text") {
  CHECK(fault_of(R"({"a":1,"b":{"c":1,"c":2}})") == json::Fault::duplicate_key);
  CHECK(fault_of(R"([{"a":1},{"a":2}])") == json::Fault::none);  // same key in two objects is fine
  std::string many = "{";
  for (int i = 0; i < 40; ++i) many += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  CHECK(fault_of(many + ",\"17\":1}") == json::Fault::duplicate_key);  // past the short list, in the hash set
  CHECK(fault_of(many + "}") == json::Fault::none);
  CHECK(fault_of(std::string(32, '[') + std::string(32, ']')) == json::Fault::none);
  CHECK(fault_of(std::string(33, '[') + std::string(33, ']')) == json::Fault::too_deep);
  CHECK(fault_of("\"\xC0\xAF\"") == json::Fault::invalid_utf8);
  CHECK(fault_of("{} x") == json::Fault::syntax);
  CHECK(fault_of("\"\\ud800\"") == json::Fault::syntax);
  CHECK(fault_of("") == json::Fault::syntax);
}

TEST_CASE("the writer escapes as nlohmann's dump does, byte for byte") {
  for (std::string s :
       {std::string("plain"), std::string("q\"b\\s/"), std::string("\b\f\n\r\t\x01\x1F\x7F"),
        std::string("é 名前 🦀"), std::string("bad \xC3 \xFF \xED\xA0\x80 end"), std::string("\0x", 2)}) {
    std::string mine;
    json::append_string(mine, s);
    CHECK(mine == dump(Json(s)));
    CHECK(json::escaped_size(s) == mine.size());
  }
  json::Writer w;
  w.begin_object().key("a").integer(-5).key("b").begin_array().boolean(true).null().string("x").end_array();
  w.key("c").raw("{}").end_object();
  CHECK(w.text() == R"({"a":-5,"b":[true,null,"x"],"c":{}})");
}

TEST_CASE("records are read by type: a missing field or one of the wrong type is corrupt, extras are fine") {
  const char* good =
      R"({"id":"k","type":"secret","mode":"live","account_ids":["*"],"revoked":false,"expires_at":null,"x":{"y":[1]}})";
  REQUIRE(read_api_key(good, "apikey:x").ok());
  CHECK(read_api_key(good, "apikey:x").value().account_ids == std::vector<std::string>{"*"});
  for (const char* bad : {
           R"({"id":"k","type":"secret","mode":"live","account_ids":"*","revoked":false,"expires_at":null})",
           R"({"id":"k","type":"secret","mode":"live","account_ids":[1],"revoked":false,"expires_at":null})",
           R"({"id":"k","type":"secret","mode":"live","account_ids":[],"revoked":false,"expires_at":"tomorrow"})",
           R"({"id":"k","type":"secret","mode":"live","account_ids":[],"revoked":false})",
           R"({"id":"k","type":"restricted","mode":"live","account_ids":[],"revoked":false,"expires_at":null})",
           R"({"id":"k","type":"secret","mode":"prod","account_ids":[],"revoked":false,"expires_at":null})",
           R"({"id":"","type":"secret","mode":"live","account_ids":[],"revoked":false,"expires_at":null})",
           R"({"id":7,"type":"secret","mode":"live","account_ids":[],"revoked":false,"expires_at":null})",
       }) {
    Result<ApiKeyRecord> r = read_api_key(bad, "apikey:x");
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.problem().error == Error::corrupt_record);
  }
  CHECK(read_api_key(R"({"id":"k"})", "apikey:abc").problem().note.find("apikey:abc") != std::string::npos);
  CHECK(!read_workspace_membership(R"({"workspace_id":"w","user":{"id":null}})", "k").ok());
  CHECK(!read_workspace_membership(R"({"workspace_id":"w","user":"usr_1"})", "k").ok());
  CHECK(read_workspace_membership(R"({"workspace_id":"w","user":{"id":"u","email":null}})", "k").ok());
  CHECK(!read_account(R"({"workspace_id":5})", "k").ok());
  CHECK(!read_user(R"({"id":"u","name":5})", "k").ok());
  CHECK(!read_membership(R"({"id":"am_1","permissions":"read"})", "k").ok());
  CHECK(!read_idempotency(R"({"fingerprint":"f","status":700,"body":"{}"})", "k").ok());
  CHECK(!read_idempotency(R"({"fingerprint":"f","status":"201","body":"{}"})", "k").ok());
  CHECK(!read_account(std::string(70 * 1024, ' ') + "{}", "k").ok());
}

TEST_CASE("a membership written and read back is the same record") {
  MembershipRecord m;
  m.id = "am_1";
  m.account_id = "acct_1";
  m.user_id = "usr_1";
  m.permissions = {"read", "write"};
  m.created_at = m.updated_at = "2026-11-28T03:07:00Z";
  m.user = {std::string("usr_1"), std::string("a@b.c"), std::nullopt};
  std::string text = write_membership(m);
  CHECK(
      text ==
      R"({"object":"account_membership","id":"am_1","account_id":"acct_1","user_id":"usr_1","workspace_membership_id":null,"permissions":["read","write"],"created_at":"2026-11-28T03:07:00Z","updated_at":"2026-11-28T03:07:00Z","user":{"id":"usr_1","email":"a@b.c","name":null}})");
  Result<MembershipRecord> back = read_membership(text, "k");
  REQUIRE(back.ok());
  CHECK(write_membership(back.value()) == text);
}
