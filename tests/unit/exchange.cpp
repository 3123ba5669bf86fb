// The exchange through the in-memory host: the effects each request asks for (not only the
// answer), faults, limits and configuration.
#include <doctest/doctest.h>

#include <set>

#include "envelope.h"
#include "frames.h"
#include "helpers.h"
#include "wire.h"

using namespace mb;
using namespace mb::testing;

TEST_CASE("a cold create takes two read rounds and one write; a warm replay one read") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  std::string apikey = "apikey:" + sha256_hex(kKey);
  Response r = host.run(engine, create(R"({"workspace_membership_id":"wsm_1","permissions":["read"]})"));
  CHECK(r.status == 201);
  REQUIRE(host.rounds.size() == 3);
  CHECK(keys_of(host.rounds[0]) == std::vector<std::string>{"kv_get account:test:acct_1", "kv_get " + apikey,
                                                            "kv_get workspace_membership:test:wsm_1"});
  CHECK(keys_of(host.rounds[1]) == std::vector<std::string>{"kv_get account_membership:test:acct_1:usr_1"});
  CHECK(keys_of(host.rounds[2]) == std::vector<std::string>{"kv_put account_membership:test:acct_1:usr_1"});
  CHECK(host.rounds[2][0].store == "test");

  r = host.run(engine, create(R"({"workspace_membership_id":"wsm_1","permissions":["read"]})"));
  CHECK(r.status == 200);
  REQUIRE(host.rounds.size() == 1);
  CHECK(keys_of(host.rounds[0]) == std::vector<std::string>{"kv_get account_membership:test:acct_1:usr_1"});
}

TEST_CASE("with RECORD_CACHE_SECONDS=0 every request reads its records again") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"RECORD_CACHE_SECONDS", "0"}});
  host.run(engine, create(R"({"workspace_membership_id":"wsm_1"})"));
  host.run(engine, create(R"({"workspace_membership_id":"wsm_1"})"));
  CHECK(host.rounds.size() == 2);
  CHECK(host.rounds[0].size() == 3);
}

TEST_CASE("a revoked key is refused once the record cache expires") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"RECORD_CACHE_SECONDS", "30"}});
  CHECK(host.run(engine, create(R"({"email":"rev@example.com"})")).status == 201);
  host.seed(
      "test", "apikey:" + sha256_hex(kKey),
      R"({"id":"key_test_1","type":"secret","mode":"test","account_ids":["acct_1"],"revoked":true,"expires_at":null})");
  CHECK(host.run(engine, create(R"({"email":"rev@example.com"})")).status == 200);  // still cached
  host.now_ms += 31000;
  Response r = host.run(engine, create(R"({"email":"rev@example.com"})"));
  CHECK(r.status == 401);
  CHECK(code_of(r) == 40104);
}

TEST_CASE("requests that fail a check needing no storage ask for no effect") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  const std::vector<std::tuple<std::string, int, Error>> cases = {
      {"{", 400, Error::invalid_json},
      {R"({"email":"x"})", 422, Error::validation_failed},
      {std::string(20000, 'a'), 413, Error::body_too_large},
  };
  for (const auto& [body, status, error] : cases) {
    Response r = host.run(engine, create(body, "sk_test_unknown_key_0000"));
    CHECK(r.status == status);
    CHECK(code_of(r) == code(error));
    CHECK(host.rounds.empty());
  }
  Response pk = host.run(engine, create(R"({"email":"a@example.com"})", "pk_test_demo_TYooMQauvdEDq54NiTphI7jx"));
  CHECK(pk.status == 403);
  CHECK(host.rounds.empty());
}

TEST_CASE("KV failures: a get that fails is 503, a put that fails is 503 and nothing is acknowledged") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  host.faults = {"kv_get:throw"};
  Response r = host.run(engine, create(R"({"email":"f@example.com"})"));
  CHECK(r.status == 503);
  CHECK(code_of(r) == 50301);
  host.faults = {"kv_put:throw"};
  r = host.run(engine, create(R"({"email":"f@example.com"})", kKey, {{"Idempotency-Key", "k-put-fail"}}));
  CHECK(r.status == 503);
  CHECK(host.get("test", "account_membership:test:acct_1:email:f@example.com") == nullptr);
  CHECK(host.count_prefix("test", "idempotency:") == 0);  // a failed create is never replayed
  host.faults.clear();
  CHECK(host.run(engine, create(R"({"email":"f@example.com"})", kKey, {{"Idempotency-Key", "k-put-fail"}})).status ==
        201);
}

TEST_CASE("KV_TEST and KV_LIVE: every effect names the repository of its mode") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  host.run(engine, create(R"({"email":"m@example.com"})"));
  for (const auto& round : host.rounds)
    for (const Effect& e : round) {
      CHECK(e.store == "test");
      CHECK(e.key.find(":live:") == std::string::npos);
    }
}

TEST_CASE("origin routing forwards after validation, with the normalized body and a signature") {
  native::MemoryHost host = seeded_host();
  Engine engine(
      Vars{{"ROUTING", "origin"}, {"ORIGIN_URL", "https://origin.test/"}, {"ORIGIN_SHARED_SECRET", "s3cret"}});
  Effect seen;
  host.fetch = [&](const Effect& e) {
    seen = e;
    Outcome o;
    o.status = 201;
    o.body = R"({"message":"success","success":true,"data":{"id":"am_1"}})";
    return o;
  };
  Response r = host.run(engine, create(R"({"email":"Zed@Example.com"})"));
  CHECK(r.status == 201);
  CHECK(seen.url == "https://origin.test/v1/account-memberships/?account_id=acct_1");
  CHECK(seen.body == R"({"email":"zed@example.com","permissions":[]})");
  // RFC 9530 and RFC 9421: the digest of the body, and an hmac-sha256 signature "edge-hmac" whose
  // base is written out here by hand (the base builder's own vectors are in http_signature.cpp).
  CHECK(
      header(seen.headers, "content-digest") ==
      std::optional<std::string_view>(
          "sha-256=:" + base64_encode(std::string(reinterpret_cast<const char*>(sha256(seen.body).data()), 32)) + ":"));
  CHECK(!header(seen.headers, "x-edge-signature"));
  std::string t = std::to_string(host.now_ms / 1000);
  std::string rid(*header(seen.headers, "x-request-id"));
  std::string input(header(seen.headers, "signature-input").value_or(""));
  std::string prefix = R"(edge-hmac=("@method" "@path" "@query" "content-digest" "content-type" "x-request-id" )"
                       R"("x-edge-credential-id" "x-edge-mode" "x-edge-identity");created=)" +
                       t + ";expires=" + std::to_string(host.now_ms / 1000 + 300) + ";nonce=\"";
  REQUIRE(input.rfind(prefix, 0) == 0);
  std::string params = input.substr(std::string("edge-hmac=").size());
  CHECK(params.size() - params.find(R"(";keyid="edge-hmac";alg="hmac-sha256";tag="membership-edge")") ==
        std::string(R"(";keyid="edge-hmac";alg="hmac-sha256";tag="membership-edge")").size());
  std::string base =
      "\"@method\": POST\n\"@path\": /v1/account-memberships/\n\"@query\": ?account_id=acct_1\n"
      "\"content-digest\": " +
      std::string(*header(seen.headers, "content-digest")) +
      "\n\"content-type\": application/json\n\"x-request-id\": " + rid +
      "\n\"x-edge-credential-id\": key_test_1\n\"x-edge-mode\": test\n"
      "\"x-edge-identity\": auth=api_key, cred=\"key_test_1\", mode=test, account=\"acct_1\"\n"
      "\"@signature-params\": " +
      params;
  Sha256 mac = hmac_sha256("s3cret", base);
  CHECK(header(seen.headers, "signature") ==
        std::optional<std::string_view>(
            "edge-hmac=:" + base64_encode(std::string(reinterpret_cast<const char*>(mac.data()), 32)) + ":"));
  CHECK(host.background.empty());  // origin routing writes nothing through
}

TEST_CASE("rate limit: the token bucket answers 429 with Retry-After, the binding through an effect") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"RATE_LIMIT_PER_MINUTE", "2"}});
  CHECK(host.run(engine, create(R"({"email":"r1@example.com"})")).status == 201);
  CHECK(host.run(engine, create(R"({"email":"r2@example.com"})")).status == 201);
  Response r = host.run(engine, create(R"({"email":"r3@example.com"})"));
  CHECK(r.status == 429);
  CHECK(code_of(r) == 42901);
  CHECK(header(r.headers, "retry-after") == std::optional<std::string_view>("30"));
  host.now_ms += 30000;
  CHECK(host.run(engine, create(R"({"email":"r3@example.com"})")).status == 201);

  Engine bound(Vars{{"ROUTING", "edge"}, {"HOST_RATE_LIMITER_PERIOD", "10"}});
  host.faults = {"rate_limit:deny"};
  r = host.run(bound, create(R"({"email":"r4@example.com"})"));
  CHECK(r.status == 429);
  CHECK(header(r.headers, "retry-after") == std::optional<std::string_view>("10"));
}

TEST_CASE("hostile bodies never trap, hang or grow without bound") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"MAX_BODY_BYTES", "1048576"}});
  std::vector<std::pair<std::string, int>> cases = {
      {std::string(100000, '['), 40005},
      {"{\"email\":\"" + std::string(1000000, 'a') + "\"}", 42201},
      {std::string("{\"email\":\"a\0b@example.com\"}", 27), 40001},
      {"{\"email\":\"\xC0\xAF@example.com\"}", 40002},
      {"{\"email\":\"\\ud800@example.com\"}", 40001},
      {"{\"email\":\"\\udc00\"}", 40001},
      {std::string(1000000, ' ') + "{}", 42201},
      {"{\"a\":" + std::string(32, '[') + std::string(32, ']') + "}", 40005},
      {"\xEF\xBB\xBF{}", 42201},  // RFC 8259 §8.1: a parser MAY ignore a byte order mark; nlohmann does
      {"1e999999", 40001},
  };
  for (const auto& [body, code] : cases) {
    Response r = host.run(engine, create(body));
    CHECK_MESSAGE(code_of(r) == code, body.substr(0, 40));
  }
  Engine small(Vars{{"ROUTING", "edge"}});
  Request huge = create(std::string(16385, 'x'));
  CHECK(code_of(host.run(small, huge)) == 41301);
  Request truncated = create("{}");
  truncated.body_truncated = true;
  CHECK(code_of(host.run(small, truncated)) == 41301);
}

TEST_CASE("corrupt and oversized stored records are 500/503 envelopes, not crashes") {
  Engine engine(Vars{{"ROUTING", "edge"}, {"RECORD_CACHE_SECONDS", "0"}});
  for (const std::string& bad :
       {std::string("not json"), std::string("[]"), std::string(R"({"id":1})"), std::string(70 * 1024, ' ')}) {
    native::MemoryHost host = seeded_host();
    host.seed("test", "account:test:acct_1", bad);
    Response r = host.run(engine, create(R"({"email":"c@example.com"})"));
    CHECK(r.status == 500);
    CHECK(code_of(r) == 50003);
  }
}

TEST_CASE("configuration errors name the variable and answer 500 on every request") {
  const std::vector<std::pair<Vars, std::string>> bad = {
      {{{"ROUTING", "sideways"}}, "ROUTING"},
      {{{"ROUTING", "auto"}}, "ORIGIN_URL"},
      {{{"ROUTING", "edge"}, {"MAX_BODY_BYTES", "lots"}}, "MAX_BODY_BYTES"},
      {{{"ROUTING", "edge"}, {"ORIGIN_TIMEOUT_MS", "-1"}}, "ORIGIN_TIMEOUT_MS"},
      {{{"ROUTING", "edge"}, {"JWT_JWKS", "{nope"}}, "JWT_JWKS"},
      {{{"ROUTING", "edge"}, {"JWT_HS256_SECRET", "short"}}, "JWT_HS256_SECRET"},
      {{{"ROUTING", "edge"}, {"RATE_LIMIT_PER_MINUTE", "1.5"}}, "RATE_LIMIT_PER_MINUTE"},
  };
  for (const auto& [vars, name] : bad) {
    Engine engine(vars);
    CHECK(engine.config().error.find(name) != std::string::npos);
    native::MemoryHost host;
    Response r = host.run(engine, create(R"({"email":"a@example.com"})"));
    CHECK(r.status == 500);
    CHECK(code_of(r) == 50002);
    bool named = false;
    for (const std::string& n : host.notices) named = named || n.find(name) != std::string::npos;
    CHECK_MESSAGE(named, name);
  }
}

TEST_CASE("the error catalogue: codes are status*100+n, unique, and messages short") {
  std::set<int> codes;
  for (const ErrorInfo* e = catalogue_begin(); e != catalogue_end(); ++e) {
    CHECK(e->code / 100 == e->status);
    CHECK(codes.insert(e->code).second);
    CHECK(e->message.size() < 80);
  }
  CHECK(
      error_envelope(Error::validation_failed) ==
      R"({"message":"The request has invalid fields.","success":false,"error":{"code":42201,"message":"The request has invalid fields.","details":{}}})");
  CHECK(success_envelope(R"({"object":"account_membership"})") ==
        R"({"message":"success","success":true,"data":{"object":"account_membership"}})");
}

TEST_CASE("the worker ABI's frames carry a real step and its outcomes") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  Exchange ex(engine);
  Step s = ex.begin(create(R"({"email":"w@example.com"})"), {host.now_ms, host.next_random()});
  std::string frame;
  frames::write_step(s, frame);
  Step back;
  REQUIRE(frames::read_step(frame, back));
  CHECK(back.done == false);
  // The key, the account, the user by email and (read alongside) the invite's membership.
  CHECK(back.effects.size() == 4);
  std::vector<Outcome> sent(2);
  sent[0].id = 1;
  sent[1].id = 2;
  sent[1].failure = Failure::failed;
  std::vector<Outcome> outs;
  CHECK(frames::read_outcomes(frames::write_outcomes(sent), outs));
  CHECK(outs.size() == 2);
  CHECK(!outs[0].value);
  CHECK(outs[1].failure == Failure::failed);
  std::vector<Outcome> refused;
  CHECK(!frames::read_outcomes(std::string("\x01\0\0\0\xff", 5), refused));
  CHECK(!frames::read_outcomes("{", refused));
}

TEST_CASE("an origin 2xx without a usable data object is passed through and not written through") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "auto"}, {"ORIGIN_URL", "https://origin.test"}});
  for (const char* body : {R"({"message":"success","success":true,"data":{"account_id":"acct_1"}})",
                           R"({"message":"success","success":true})", R"({"error":{"code":"x"}})"}) {
    host.fetch = [&](const Effect&) {
      Outcome o;
      o.status = 201;
      o.body = body;
      return o;
    };
    Response r = host.run(engine, create(R"({"email":"o2@example.com"})", "sk_live_demo_4eC39HqLyjWDarjtT1zdp7dc"));
    CHECK(r.status == 201);
    CHECK(r.body == body);
    CHECK(host.background.empty());
  }
}

TEST_CASE("verified-token cache: a repeated JWT is not verified again, yet expiry and forgeries still count") {
  native::MemoryHost host = seeded_host();
  const std::string secret = "0123456789abcdef0123456789abcdef";
  Engine engine(Vars{{"ROUTING", "edge"},
                     {"JWT_HS256_SECRET", secret},
                     {"JWT_ISSUER", "https://auth.example.com/"},
                     {"JWT_AUDIENCE", "memberships-api"},
                     {"JWT_LEEWAY_SECONDS", "0"}});
  Json short_lived = Json::object();
  short_lived["exp"] = host.now_ms / 1000 + 120;
  std::string token = hs256_token(host.now_ms / 1000, short_lived);
  CHECK(host.run(engine, create(R"({"email":"jwt-cache@example.com"})", token)).status == 201);
  CHECK(engine.tokens.count(sha256_hex(token)) == 1);  // keyed by the SHA-256 of the token (docs/api.md)
  CHECK(host.run(engine, create(R"({"email":"jwt-cache@example.com"})", token)).status == 200);
  CHECK(host.run(engine, create(R"({"email":"x"})", token)).status == 422);  // a cached token still meets step 3

  // The same header and claims with another signature is another token: verified, and refused.
  std::string forged = token.substr(0, token.rfind('.') + 1) + base64url_encode(std::string(32, '\x01'));
  Response r = host.run(engine, create(R"({"email":"jwt-cache@example.com"})", forged));
  CHECK(r.status == 401);
  CHECK(code_of(r) == info(Error::jwt_bad_signature).code);

  host.now_ms += 121000;  // past exp: the cache lets go and the token is judged afresh
  r = host.run(engine, create(R"({"email":"jwt-cache@example.com"})", token));
  CHECK(r.status == 401);
  CHECK(code_of(r) == info(Error::jwt_expired).code);
}

TEST_CASE("an origin's 401 passed through carries WWW-Authenticate too") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "origin"}, {"ORIGIN_URL", "https://origin.test"}});
  host.fetch = [](const Effect&) {
    Outcome o;
    o.status = 401;
    o.body = R"({"message":"x","success":false,"error":{"code":40103,"message":"x","details":{}}})";
    return o;
  };
  Response r = host.run(engine, create(R"({"email":"o401@example.com"})", kLiveKey));
  CHECK(r.status == 401);
  CHECK(header(r.headers, "www-authenticate") == std::optional<std::string_view>("Bearer realm=\"api\""));
}
