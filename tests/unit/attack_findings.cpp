// Findings of a live attack on the worker, fixed in the core: a repeated Idempotency-Key (also in
// its structured-field string form), "*" mixed into an account list, a JWT's unbounded lifetime
// (JWT_MAX_LIFETIME_SECONDS) and its type (JWT_REQUIRED_TYP).
#include <doctest/doctest.h>

#include "helpers.h"
#include "kv_layout.h"

using namespace mb;
using namespace mb::testing;

namespace {

std::string key_record(const std::string& account_ids) {
  return R"({"id":"key_test_1","type":"secret","mode":"test","account_ids":)" + account_ids +
         R"(,"revoked":false,"expires_at":null})";
}

std::string hs256(const Json& header, std::int64_t now, Json extra) {
  return sign_hs256(header, claims(now, std::move(extra)));
}

Json typ_header(const Json& typ) {
  Json h = Json::object();
  h["alg"] = "HS256";
  if (!typ.is_null()) h["typ"] = typ;
  return h;
}

}  // namespace

TEST_CASE("Idempotency-Key sent twice is 400 40008, as two lines or joined into one by a runtime") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  const char* body = R"({"email":"twice@example.com"})";
  Response two_lines = host.run(engine, create(body, kKey, {{"Idempotency-Key", "a"}, {"Idempotency-Key", "b"}}));
  CHECK(two_lines.status == 400);
  CHECK(code_of(two_lines) == code(Error::invalid_idempotency_key));
  // What the Workers Headers object makes of those two lines.
  for (const char* joined : {"a, b", "a,b", "\"a\", \"b\"", "a, \"b\"", "a,", ",a"}) {
    Response r = host.run(engine, create(body, kKey, {{"Idempotency-Key", joined}}));
    CHECK_MESSAGE(code_of(r) == code(Error::invalid_idempotency_key), joined);
  }
  CHECK(host.rounds.empty());  // refused at step 3, before any storage
}

TEST_CASE("Idempotency-Key as a structured-field string: \"abc\" is the key abc (same record, same replay)") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  const char* body = R"({"email":"sf-string@example.com"})";
  Response bare = host.run(engine, create(body, kKey, {{"Idempotency-Key", "abc-1"}}));
  REQUIRE(bare.status == 201);
  Response quoted = host.run(engine, create(body, kKey, {{"Idempotency-Key", "\"abc-1\""}}));
  CHECK(quoted.status == 201);
  CHECK(header(quoted.headers, "idempotent-replayed") == std::optional<std::string_view>("true"));
  CHECK(body_of(quoted)["data"]["id"] == body_of(bare)["data"]["id"]);
  CHECK(host.count_prefix("test", "idempotency:") == 1);
  // Quoted first, then bare: one record again; another body under the same key is 409.
  Response first =
      host.run(engine, create(R"({"email":"sf-2@example.com"})", kKey, {{"Idempotency-Key", " \"k 2\" "}}));
  REQUIRE(first.status == 201);
  CHECK(host.get("test", kv::idempotency(Mode::test, "key_test_1", "k 2")) != nullptr);
  Response reuse = host.run(engine, create(R"({"email":"sf-3@example.com"})", kKey, {{"Idempotency-Key", "k 2"}}));
  CHECK(code_of(reuse) == code(Error::idempotency_key_reused));
}

TEST_CASE("Idempotency-Key: a malformed string, an empty key or a refused character is 400 40008") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  std::string k255(255, 'k');
  for (std::string bad :
       {std::string("\""), std::string("\"\""), std::string("\"abc"), std::string("abc\""), std::string("\"a\"b\""),
        std::string("\"a\\\"b\""), std::string("\"a\\\\b\""), std::string("a\\b"), std::string("a\"b"),
        std::string("\"\xC3\xA9\""), std::string("\"a\tb\""), "\"" + k255 + "k\"", k255 + "k"}) {
    Response r = host.run(engine, create(R"({"email":"bad-key@example.com"})", kKey, {{"Idempotency-Key", bad}}));
    CHECK_MESSAGE(code_of(r) == code(Error::invalid_idempotency_key), bad);
  }
  for (std::string good : {"\"" + k255 + "\"", k255, std::string("\"a b ~\"")}) {
    Response r = host.run(engine, create(R"({"email":"good-key@example.com"})", kKey, {{"Idempotency-Key", good}}));
    CHECK_MESSAGE(r.status / 100 == 2, good);
  }
}

TEST_CASE("an API key's account list: \"*\" alone grants every account, mixed with ids it is 401 40107") {
  Engine engine(Vars{{"ROUTING", "edge"}, {"RECORD_CACHE_SECONDS", "0"}});
  for (const char* list : {R"(["acct_9","*"])", R"(["*","acct_1"])", R"(["*","*"])"}) {
    native::MemoryHost host = seeded_host();
    host.seed("test", kv::api_key(sha256_hex(kKey)), key_record(list));
    for (const char* account : {"acct_1", "acct_2", "acct_9"}) {
      Response r = host.run(engine, create(R"({"email":"mixed@example.com"})", kKey, {}, account));
      CHECK_MESSAGE(r.status == 401, list, " ", account);
      CHECK(code_of(r) == code(Error::invalid_account_list));
    }
  }
  native::MemoryHost host = seeded_host();
  host.seed("test", kv::api_key(sha256_hex(kKey)), key_record(R"(["*"])"));
  CHECK(host.run(engine, create(R"({"email":"every@example.com"})", kKey, {}, "acct_2")).status == 201);
}

TEST_CASE("a JWT's account_ids: \"*\" alone grants every account, mixed with ids it is 401 40107") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars());
  std::int64_t now = host.now_ms / 1000;
  for (Json list : {Json::array({"acct_9", "*"}), Json::array({"*", "acct_2"}), Json::array({"*", "*"})}) {
    Json extra = Json::object();
    extra["account_ids"] = list;
    Response r =
        host.run(engine, create(R"({"email":"jwt-mixed@example.com"})", hs256_token(now, extra), {}, "acct_2"));
    CHECK(r.status == 401);
    CHECK(code_of(r) == code(Error::invalid_account_list));
  }
  Json every = Json::object();
  every["account_ids"] = Json::array({"*"});
  CHECK(
      host.run(engine, create(R"({"email":"jwt-every@example.com"})", hs256_token(now, every), {}, "acct_2")).status ==
      201);
}

TEST_CASE("JWT_MAX_LIFETIME_SECONDS: exp - iat beyond it is 401 40122, no iat is 401 40120; off by default") {
  native::MemoryHost host = seeded_host();
  std::int64_t now = host.now_ms / 1000;
  Json jwt_header = typ_header("JWT");
  auto lifetime = [&](Json iat, Json exp) {
    Json extra = Json::object();
    if (!iat.is_null()) extra["iat"] = iat;
    extra["exp"] = exp;
    return hs256(jwt_header, now, extra);
  };
  Engine bounded(jwt_vars({{"JWT_MAX_LIFETIME_SECONDS", "3600"}}));
  auto answer = [&](Engine& engine, const std::string& token) {
    return host.run(engine, create(R"({"email":"life@example.com"})", token));
  };
  CHECK(answer(bounded, lifetime(now - 100, now - 100 + 3600)).status / 100 == 2);  // exactly the maximum
  Response over = answer(bounded, lifetime(now - 100, now - 100 + 3601));
  CHECK(over.status == 401);
  CHECK(code_of(over) == code(Error::jwt_lifetime_too_long));
  CHECK(code_of(answer(bounded, lifetime(now, 1e300))) == code(Error::jwt_lifetime_too_long));
  CHECK(code_of(answer(bounded, lifetime(-1e300, now + 60))) == code(Error::jwt_lifetime_too_long));
  CHECK(code_of(answer(bounded, lifetime(nullptr, now + 60))) == code(Error::jwt_missing_claim));

  Engine unbounded(jwt_vars());
  CHECK(answer(unbounded, lifetime(nullptr, 1e300)).status / 100 == 2);
  CHECK(answer(unbounded, lifetime(now, now + 10 * 366 * 86400)).status / 100 == 2);

  for (const char* bad : {"-1", "x", "1.5", "400000000"}) {
    Engine misconfigured(jwt_vars({{"JWT_MAX_LIFETIME_SECONDS", bad}}));
    Response r = answer(misconfigured, lifetime(now, now + 60));
    CHECK_MESSAGE(code_of(r) == code(Error::configuration_error), bad);
  }
}

TEST_CASE("JWT_REQUIRED_TYP: typ compared as a media type, application/ optional, any case; off by default") {
  native::MemoryHost host = seeded_host();
  std::int64_t now = host.now_ms / 1000;
  auto answer = [&](Engine& engine, const Json& typ) {
    return host.run(engine, create(R"({"email":"typ@example.com"})", hs256(typ_header(typ), now, Json::object())));
  };
  for (const char* required : {"at+jwt", "application/at+jwt", "AT+JWT"}) {
    Engine engine(jwt_vars({{"JWT_REQUIRED_TYP", required}}));
    for (const char* typ : {"at+jwt", "AT+JWT", "application/at+jwt", "Application/At+Jwt"})
      CHECK_MESSAGE(answer(engine, typ).status / 100 == 2, required, " ", typ);
    for (Json typ : {Json("JWT"), Json(nullptr), Json(5), Json("text/at+jwt"), Json("at+jwt "), Json("application/jwt"),
                     Json("")}) {
      Response r = answer(engine, typ);
      CHECK_MESSAGE(r.status == 401, required, " ", dump(typ));
      CHECK(code_of(r) == code(Error::jwt_wrong_type));
      CHECK(host.rounds.empty());  // a header check of step 2: no storage, no signature
    }
  }
  Engine untyped(jwt_vars());
  for (Json typ : {Json("JWT"), Json(nullptr), Json("anything/else")}) CHECK(answer(untyped, typ).status / 100 == 2);
}
