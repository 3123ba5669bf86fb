// The defects of the security review (one case each, through the layer where they showed), and
// the attacks a front door must refuse: crossing tenants through key parts, replaying past a
// narrowed grant, smuggling a query to the origin, replaying a signed forward, burning CPU.
#include <doctest/doctest.h>

#include "envelope.h"
#include "helpers.h"
#include "kv_layout.h"
#include "origin.h"

using namespace mb;
using namespace mb::testing;

namespace {

Json fixture(const char* name) { return read_json(std::string(MB_SOURCE_DIR) + "/tests/unit/fixtures/" + name); }

Response jwt_create(native::MemoryHost& host, Engine& engine, const std::string& token, const std::string& body,
                    Headers extra = {}, const std::string& account = "acct_1") {
  return host.run(engine, create(body, token, std::move(extra), account));
}

}  // namespace

TEST_CASE("1: Idempotency-Keys of two credentials never share a KV key (sub team:alice + k1 vs sub team + alice:k1)") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars());
  std::int64_t now = host.now_ms / 1000;
  Json alice = Json::object(), team = Json::object();
  alice["sub"] = "team:alice";
  team["sub"] = "team";
  team["account_ids"] = Json::array({"acct_2"});  // granted another account only
  std::string first = hs256_token(now, alice), second = hs256_token(now, team);

  Response r1 = jwt_create(host, engine, first, R"({"email":"idem-a@example.com"})", {{"Idempotency-Key", "k1"}});
  CHECK(r1.status == 201);
  Response r2 = jwt_create(host, engine, second, R"({"email":"idem-b@example.com"})", {{"Idempotency-Key", "alice:k1"}},
                           "acct_2");
  CHECK(r2.status == 201);  // its own create: neither the first one's replay nor a 409
  CHECK(header(r2.headers, "idempotent-replayed") == std::nullopt);
  CHECK(body_of(r2)["data"]["account_id"] == "acct_2");
  CHECK(kv::idempotency(Mode::test, "jwt:team:alice", "k1") != kv::idempotency(Mode::test, "jwt:team", "alice:k1"));
  CHECK(host.get("test", "idempotency:test:jwt%3Ateam%3Aalice:k1") != nullptr);
  CHECK(host.get("test", "idempotency:test:jwt%3Ateam:alice%3Ak1") != nullptr);
}

TEST_CASE("2: an Idempotency-Key replay comes only after steps 1-6 pass for the request as it is now") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"RECORD_CACHE_SECONDS", "30"}});
  const char* body = R"({"email":"narrowed@example.com"})";
  CHECK(host.run(engine, create(body, kKey, {{"Idempotency-Key", "k-narrow"}})).status == 201);
  CHECK(host.run(engine, create(body, kKey, {{"Idempotency-Key", "k-narrow"}})).status == 201);  // the replay
  // The key's grant is narrowed to another account: once the record cache lets go, its replays stop.
  host.seed(
      "test", kv::api_key(sha256_hex(kKey)),
      R"({"id":"key_test_1","type":"secret","mode":"test","account_ids":["acct_2"],"revoked":false,"expires_at":null})");
  host.now_ms += 31000;
  Response r = host.run(engine, create(body, kKey, {{"Idempotency-Key", "k-narrow"}}));
  CHECK(r.status == 403);
  CHECK(code_of(r) == code(Error::account_not_granted));
  CHECK(header(r.headers, "idempotent-replayed") == std::nullopt);

  // A token that lacks JWT_REQUIRED_SCOPE is refused, replay or not.
  Engine scoped(jwt_vars({{"JWT_REQUIRED_SCOPE", "memberships:write"}}));
  std::int64_t now = host.now_ms / 1000;
  Json with_scope = Json::object(), without = Json::object();
  with_scope["scope"] = "memberships:write";
  without["scope"] = "openid";
  const char* other = R"({"email":"scoped@example.com"})";
  CHECK(jwt_create(host, scoped, hs256_token(now, with_scope), other, {{"Idempotency-Key", "k-scope"}}).status == 201);
  r = jwt_create(host, scoped, hs256_token(now, without), other, {{"Idempotency-Key", "k-scope"}});
  CHECK(r.status == 403);
  CHECK(code_of(r) == code(Error::missing_scope));
}

TEST_CASE("3: while the JWKS provider fails, an isolate fetches once a minute and serves the last good keys") {
  Json es = fixture("es256.json");
  REQUIRE(es.is_object());
  std::string jwks = dump(es["jwks"]);
  auto token = [&](int i) { return es["tokens"][i].get<std::string>(); };
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars({{"JWT_JWKS_URL", "https://auth.example.com/jwks.json"}, {"JWKS_CACHE_SECONDS", "60"}}));
  int fetches = 0;
  bool up = true;
  host.fetch = [&](const Effect& e) {
    ++fetches;
    CHECK(e.url == "https://auth.example.com/jwks.json");
    Outcome o;
    if (!up) {
      o.failure = Failure::timeout;
      return o;
    }
    o.status = 200;
    o.body = jwks;
    return o;
  };
  CHECK(jwt_create(host, engine, token(0), R"({"email":"k1@example.com"})").status == 201);
  CHECK(fetches == 1);
  host.now_ms += 61000;  // the keys are stale, and the provider is down
  up = false;
  host.kv.erase("live\n" + kv::jwks(sha256_hex("https://auth.example.com/jwks.json")));  // no fresher KV copy
  CHECK(jwt_create(host, engine, token(1), R"({"email":"k2@example.com"})").status == 201);
  CHECK(fetches == 2);           // that one tried, failed, and was served from the last good keys
  for (int i = 0; i < 5; ++i) {  // five tokens never seen: none is in the verified-token cache
    host.now_ms += 5000;
    Response r = jwt_create(host, engine, token(2 + i), R"({"email":"k3@example.com"})");
    CHECK(r.status / 100 == 2);
    for (const auto& round : host.rounds)
      for (const Effect& e : round) CHECK_MESSAGE(e.kind != EffectKind::fetch, "waited on the failing provider");
  }
  CHECK(fetches == 2);
  host.now_ms += 60000;  // a minute after the failure: one new attempt
  CHECK(jwt_create(host, engine, token(7), R"({"email":"k4@example.com"})").status == 201);
  CHECK(fetches == 3);
}

TEST_CASE("4: reading a body is linear: 50 000 distinct unknown keys list 100 errors, the answer stays under 16 KiB") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"MAX_BODY_BYTES", "1048576"}});
  std::string body = "{";
  for (int i = 0; i < 50000; ++i) body += (i ? ",\"" : "\"") + std::string("k") + std::to_string(i) + "\":0";
  body += "}";
  REQUIRE(body.size() < 1048576);
  Response r = host.run(engine, create(body, "sk_test_anything_at_all"));
  CHECK(r.status == 422);
  CHECK(r.body.size() < 16 * 1024);
  Json details = body_of(r)["error"]["details"];
  CHECK(details["errors"].size() == 100);
  CHECK(details["errors"][0]["field"] == "k0");      // body order
  CHECK(details["more_errors"] == 50000 - 100 + 1);  // + one_of_required at the end
  CHECK(host.rounds.empty());

  // Long field names, escaped characters: 100 of them still fit.
  std::string ugly = "{";
  for (int i = 0; i < 200; ++i) {
    std::string name = std::to_string(i);
    for (int k = 0; k < 300; ++k) name += "\\u0001";
    ugly += (i ? ",\"" : "\"") + name + "\":0";
  }
  ugly += "}";
  r = host.run(engine, create(ugly, "sk_test_anything_at_all"));
  CHECK(r.status == 422);
  CHECK(r.body.size() < 16 * 1024);
  // A duplicate key at the very end is still seen (400 before 422), in one pass.
  std::string dup = body.substr(0, body.size() - 1) + ",\"k17\":1}";
  CHECK(code_of(host.run(engine, create(dup, "sk_test_anything_at_all"))) == code(Error::duplicate_key));
}

TEST_CASE("5: a JWT header with crit is refused at step 2 (also crit b64:false)") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars());
  std::int64_t now = host.now_ms / 1000;
  for (const char* header : {R"({"alg":"HS256","crit":["exp"]})", R"({"alg":"HS256","crit":["b64"],"b64":false})",
                             R"({"alg":"HS256","crit":[]})"}) {
    Response r = jwt_create(host, engine, sign_hs256(*parse_json(header), claims(now)), R"({"email":"c@example.com"})");
    CHECK(r.status == 401);
    CHECK(code_of(r) == code(Error::jwt_critical_header));
    CHECK(host.rounds.empty());
  }
}

TEST_CASE("6: more than 256 request headers, or 32 KiB of them, answer 431 with the envelope") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  Request many = create(R"({"email":"h@example.com"})");
  for (int i = 0; i < 300; ++i) many.headers.emplace_back("X-Filler-" + std::to_string(i), "1");
  Response r = host.run(engine, many);
  CHECK(r.status == 431);
  CHECK(code_of(r) == code(Error::headers_too_large));
  CHECK(host.rounds.empty());
  Request big = create(R"({"email":"h@example.com"})", kKey, {{"X-Big", std::string(33 * 1024, 'a')}});
  CHECK(host.run(engine, big).status == 431);
  Request fine = create(R"({"email":"h@example.com"})");
  for (int i = 0; i < 250; ++i) fine.headers.emplace_back("X-Filler-" + std::to_string(i), "1");
  CHECK(host.run(engine, fine).status == 201);
}

TEST_CASE("7: a key record with revoked of another type than boolean is corrupt (500), never valid") {
  Engine engine(Vars{{"ROUTING", "edge"}, {"RECORD_CACHE_SECONDS", "0"}});
  for (const char* revoked : {R"("true")", "1", R"("yes")", "null", "0", "[]"}) {
    native::MemoryHost host = seeded_host();
    host.seed("test", kv::api_key(sha256_hex(kKey)),
              std::string(R"({"id":"key_test_1","type":"secret","mode":"test","account_ids":["acct_1"],"revoked":)") +
                  revoked + R"(,"expires_at":null})");
    Response r = host.run(engine, create(R"({"email":"rv@example.com"})"));
    CHECK_MESSAGE(r.status == 500, revoked);
    CHECK(code_of(r) == code(Error::corrupt_record));
    bool named = false;
    for (const std::string& n : host.notices) named = named || n.find("revoked") != std::string::npos;
    CHECK_MESSAGE(named, "the log line names the field");
  }
}

TEST_CASE("8: extreme NumericDates never overflow (run under UBSan by the asan preset)") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars());
  std::int64_t now = host.now_ms / 1000;
  REQUIRE(host.run(engine, create(R"({"email":"x@example.com"})")).status == 201);
  for (const char* exp : {"-9223372036854775808", "-9223372036854775807", "9223372036854775807", "18446744073709551615",
                          "-1e308", "1e308", "-4.5e15"}) {
    Json c = claims(now);
    c["exp"] = *parse_json(exp);
    Response r =
        jwt_create(host, engine, sign_hs256(*parse_json(R"({"alg":"HS256"})"), c), R"({"email":"x@example.com"})");
    bool future = exp[0] != '-';
    CHECK_MESSAGE(r.status == (future ? 200 : 401), exp);  // the membership exists: 200
    if (!future) CHECK(code_of(r) == code(Error::jwt_expired));
  }
}

TEST_CASE("9: lengths count code points: 128 x é is a valid workspace_membership_id, 129 is too long") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  std::string e128, e129;
  for (int i = 0; i < 128; ++i) e128 += "\xC3\xA9";
  e129 = e128 + "\xC3\xA9";
  Response r = host.run(engine, create(R"({"workspace_membership_id":")" + e128 + "\"}"));
  CHECK(r.status == 404);  // valid, and unknown
  CHECK(code_of(r) == code(Error::workspace_membership_not_found));
  r = host.run(engine, create(R"({"workspace_membership_id":")" + e129 + "\"}"));
  CHECK(r.status == 422);
  CHECK(body_of(r)["error"]["details"]["errors"][0]["reason"] == "too_long");
}

TEST_CASE("10: Content-Length: 19 or more digits is 413, not a plain number is 400") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  for (const char* cl : {"9999999999999999999", "00000000000000000000000000000000000000000000000000000000099999",
                         "184467440737095516160"}) {
    Response r = host.run(engine, create(R"({"email":"cl@example.com"})", kKey, {{"Content-Length", cl}}));
    CHECK_MESSAGE(r.status == 413, cl);
    CHECK(code_of(r) == code(Error::body_too_large));
  }
  for (const char* cl : {"12x", "-1", "+26", "0x1A", "1 2", ""}) {
    Response r = host.run(engine, create(R"({"email":"cl@example.com"})", kKey, {{"Content-Length", cl}}));
    CHECK_MESSAGE(r.status == 400, cl);
    CHECK(code_of(r) == code(Error::invalid_content_length));
  }
  CHECK(host.run(engine, create(R"({"email":"cl@example.com"})", kKey, {{"Content-Length", "26"}})).status == 201);
}

TEST_CASE("11: the forward's query is rebuilt from the validated account_id alone") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "auto"}, {"ORIGIN_URL", "https://origin.test"}});
  std::string url;
  host.fetch = [&](const Effect& e) {
    url = e.url;
    Outcome o;
    o.status = 404;
    o.body = R"({"message":"x","success":false,"error":{"code":40402,"message":"x","details":{}}})";
    return o;
  };
  for (const char* query : {"?x=1;account_id=acct_2&account_id=acct_1", "?account.id=acct_2&account_id=acct_1",
                            "?account_id=acct_1&account[id]=acct_2", "?account_id=acct_1#&account_id=acct_2"}) {
    Request r = create(R"({"email":"q@example.com"})", kLiveKey);
    r.target = std::string("/v1/account-memberships/") + query;
    host.run(engine, r);
    CHECK_MESSAGE(url == "https://origin.test/v1/account-memberships/?account_id=acct_1", query);
  }
}

TEST_CASE("13: a 256-character sub with a 255-character Idempotency-Key stays within KV's 512 bytes (%h)") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars());
  std::string sub;
  for (int i = 0; i < 256; ++i) sub += "\xE2\x9C\x93";  // ✓, 9 bytes once encoded
  Json c = Json::object();
  c["sub"] = sub;
  std::string key(255, '~');
  Response r = jwt_create(host, engine, hs256_token(host.now_ms / 1000, c), R"({"email":"long@example.com"})",
                          {{"Idempotency-Key", key}});
  CHECK(r.status == 201);
  for (const Effect& e : all_effects(host)) CHECK(e.key.size() <= kv::kMaxKeyBytes);
  r = jwt_create(host, engine, hs256_token(host.now_ms / 1000, c), R"({"email":"long@example.com"})",
                 {{"Idempotency-Key", key}});
  CHECK(r.status == 201);  // the replay found its record under the hashed key
  CHECK(header(r.headers, "idempotent-replayed") == std::optional<std::string_view>("true"));
}

TEST_CASE("14: X-Edge-Credential-Id is plain ASCII whatever the JWT's sub (KV-part encoding)") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars({{"ROUTING", "origin"}, {"ORIGIN_URL", "https://origin.test"}}));
  std::string sent;
  host.fetch = [&](const Effect& e) {
    sent = std::string(header(e.headers, "x-edge-credential-id").value_or("<none>"));
    Outcome o;
    o.status = 409;
    o.body = R"({"message":"x","success":false,"error":{"code":40901,"message":"x","details":{}}})";
    return o;
  };
  for (auto [sub, want] : {std::pair{"user\nX-Injected: 1", "jwt%3Auser%0AX-Injected%3A%201"},
                           std::pair{"user \xE2\x9C\x93", "jwt%3Auser%20%E2%9C%93"}}) {
    Json c = Json::object();
    c["sub"] = sub;
    CHECK(jwt_create(host, engine, hs256_token(host.now_ms / 1000, c), R"({"email":"s@example.com"})").status == 409);
    CHECK(sent == want);
  }
}

TEST_CASE("separators in every key part: no part can pass for another") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars());
  // The same email and sub as a KV part in different places: each request keeps to its own keys.
  for (const char* sub : {"a:b", "a%3Ab", "a%b", "a\nb", "a b", ":"}) {
    Json c = Json::object();
    c["sub"] = sub;
    Response r = jwt_create(host, engine, hs256_token(host.now_ms / 1000, c), R"({"email":"sep@example.com"})",
                            {{"Idempotency-Key", std::string("k:") + sub[0]}});
    CHECK(r.status / 100 == 2);
    for (const Effect& e : all_effects(host)) {
      if (e.key.rfind("idempotency:", 0) != 0) continue;
      CHECK(e.key == kv::idempotency(Mode::test, std::string("jwt:") + sub, std::string("k:") + sub[0]));
      // prefix:mode:credential:key and nothing else: exactly three separators.
      CHECK(std::count(e.key.begin(), e.key.end(), ':') == 3);
    }
  }
}
