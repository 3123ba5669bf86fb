// Standard signals to clients: the RateLimit fields, per-credential and per-account limits, the
// limiter's failure mode, RFC 6750 challenges and RFC 9457 problem details on request.
#include <doctest/doctest.h>

#include "helpers.h"
#include "problem_details.h"

using namespace mb;
using namespace mb::testing;

namespace {
const char* kLimitedKey = "sk_test_limited_00000000000000000";  // rate_limit {"limit":2,"period":60}
const char* kWildcardKey = "sk_test_wildcard_0000000000000000";

std::string header_or_empty(const Response& r, std::string_view name) {
  return std::string(header(r.headers, name).value_or(""));
}
}  // namespace

TEST_CASE("RateLimit fields: policy and remaining from the token bucket, on every answer after step 4") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"RATE_LIMIT_PER_MINUTE", "3"}});
  Response r = host.run(engine, create(R"({"email":"f1@example.com"})"));
  CHECK(r.status == 201);
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=3;w=60)");
  CHECK(header_or_empty(r, "ratelimit") == R"("default";r=2;t=20)");
  // A refusal after step 5 (not granted acct_9, step 6) has them too, and counted.
  r = host.run(engine, create(R"({"email":"f1@example.com"})", kKey, {}, "acct_9"));
  CHECK(r.status == 403);
  CHECK(header_or_empty(r, "ratelimit") == R"("default";r=1;t=40)");
  CHECK(host.run(engine, create(R"({"email":"f2@example.com"})")).status == 201);
  r = host.run(engine, create(R"({"email":"f3@example.com"})"));
  CHECK(r.status == 429);
  CHECK(header_or_empty(r, "ratelimit") == R"("default";r=0;t=20)");
  CHECK(header_or_empty(r, "retry-after") == "20");
  // Refused before step 4: no fields.
  r = host.run(engine, create(R"({"email":"u@example.com"})", "sk_test_unknown_00000000000000000"));
  CHECK(r.status == 401);
  CHECK_FALSE(header(r.headers, "ratelimit-policy"));
}

TEST_CASE("a key record's rate_limit overrides the default; another key keeps its own") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"RATE_LIMIT_PER_MINUTE", "600"}});
  CHECK(host.run(engine, create(R"({"email":"o1@example.com"})", kLimitedKey)).status == 201);
  Response r = host.run(engine, create(R"({"email":"o2@example.com"})", kLimitedKey));
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=2;w=60)");
  r = host.run(engine, create(R"({"email":"o3@example.com"})", kLimitedKey));
  CHECK(r.status == 429);
  CHECK(std::stoi(header_or_empty(r, "retry-after")) == 30);
  r = host.run(engine, create(R"({"email":"o3@example.com"})"));
  CHECK(r.status == 201);
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=600;w=60)");

  // With a binding the override is still this isolate's bucket: the binding is not asked.
  Engine bound(Vars{{"ROUTING", "edge"}, {"HOST_RATE_LIMITER_PERIOD", "10"}, {"RATE_LIMIT_BINDING_LIMIT", "50"}});
  r = host.run(bound, create(R"({"email":"o4@example.com"})", kLimitedKey));
  CHECK(r.status == 201);
  for (const Effect& e : all_effects(host)) CHECK(e.kind != EffectKind::rate_limit);
  r = host.run(bound, create(R"({"email":"o5@example.com"})"));
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=50;w=10)");
  CHECK(header_or_empty(r, "ratelimit") == R"("default";r=49;t=1)");
}

TEST_CASE("a rate_limit of the wrong type makes the key record corrupt") {
  for (const char* bad :
       {R"("rate_limit":{"limit":"2","period":60})", R"("rate_limit":{"limit":2})", R"("rate_limit":[2,60])",
        R"("rate_limit":{"limit":0,"period":60})", R"("rate_limit":{"limit":2,"period":1.5})"}) {
    native::MemoryHost host = seeded_host();
    host.seed("test", "apikey:" + sha256_hex(kKey),
              std::string(R"({"id":"key_test_1","type":"secret","mode":"test","account_ids":["acct_1"],)") +
                  R"("revoked":false,"expires_at":null,)" + bad + "}");
    Engine engine(Vars{{"ROUTING", "edge"}});
    Response r = host.run(engine, create(R"({"email":"c@example.com"})"));
    CHECK_MESSAGE(code_of(r) == code(Error::corrupt_record), bad);
  }
}

TEST_CASE("the RATE_LIMIT_CLAIM of a JWT overrides its limit; a bad claim is a malformed token") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars({{"RATE_LIMIT_CLAIM", "rate_limit"}}));
  std::int64_t now_s = host.now_ms / 1000;
  Json limited = claims(now_s, Json{{"rate_limit", Json{{"limit", 1}, {"period", 10}}}});
  std::string token = sign_hs256(Json{{"alg", "HS256"}, {"typ", "JWT"}}, limited);
  Response r = host.run(engine, create(R"({"email":"j1@example.com"})", token));
  CHECK(r.status == 201);
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=1;w=10)");
  r = host.run(engine, create(R"({"email":"j2@example.com"})", token));
  CHECK(r.status == 429);
  CHECK(header_or_empty(r, "retry-after") == "10");

  Json bad = claims(now_s, Json{{"rate_limit", Json{{"limit", -1}, {"period", 10}}}});
  r = host.run(engine, create(R"({"email":"j3@example.com"})", sign_hs256(Json{{"alg", "HS256"}}, bad)));
  CHECK(code_of(r) == code(Error::jwt_malformed));
}

TEST_CASE("RATE_LIMIT_ACCOUNT_PER_MINUTE: two keys of one account share its bucket") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}, {"RATE_LIMIT_ACCOUNT_PER_MINUTE", "2"}});
  Response r = host.run(engine, create(R"({"email":"a1@example.com"})"));
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=600;w=60, "account";q=2;w=60)");
  CHECK(header_or_empty(r, "ratelimit") == R"("default";r=599;t=1, "account";r=1;t=30)");
  CHECK(host.run(engine, create(R"({"email":"a2@example.com"})", kWildcardKey)).status == 201);
  r = host.run(engine, create(R"({"email":"a3@example.com"})", kWildcardKey));
  CHECK(r.status == 429);
  CHECK(header_or_empty(r, "retry-after") == "30");
  // Another account, and a key not granted this account, do not touch it.
  CHECK(host.run(engine, create(R"({"email":"a4@example.com"})", kKey, {}, "acct_2")).status != 429);
  r = host.run(engine, create(R"({"email":"a5@example.com"})", "sk_test_other_acct_000000000000000"));
  CHECK(r.status == 403);
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=600;w=60)");
}

TEST_CASE("a failing limiter: open allows and logs, closed answers 503 with Retry-After") {
  native::MemoryHost host = seeded_host();
  host.faults = {"rate_limit:throw"};
  Engine open(Vars{{"ROUTING", "edge"}, {"HOST_RATE_LIMITER_PERIOD", "10"}});
  Response r = host.run(open, create(R"({"email":"l1@example.com"})"));
  CHECK(r.status == 201);
  CHECK(header_or_empty(r, "ratelimit-policy") == R"("default";q=600;w=10)");
  CHECK_FALSE(header(r.headers, "ratelimit"));
  bool logged = false;
  for (const std::string& n : host.notices) logged = logged || n.find("rate limiter failed") != std::string::npos;
  CHECK(logged);

  Engine closed(Vars{{"ROUTING", "edge"}, {"HOST_RATE_LIMITER_PERIOD", "10"}, {"RATE_LIMIT_FAILURE_MODE", "closed"}});
  r = host.run(closed, create(R"({"email":"l2@example.com"})"));
  CHECK(r.status == 503);
  CHECK(code_of(r) == code(Error::rate_limiter_unavailable));
  CHECK(header_or_empty(r, "retry-after") == "10");
  CHECK(Engine(Vars{{"ROUTING", "edge"}, {"RATE_LIMIT_FAILURE_MODE", "shut"}}).config().error ==
        "RATE_LIMIT_FAILURE_MODE must be open or closed");
}

TEST_CASE("RFC 6750: invalid_token for a presented credential, insufficient_scope with the scope") {
  native::MemoryHost host = seeded_host();
  Engine engine(jwt_vars({{"JWT_REQUIRED_SCOPE", "memberships:write"}}));
  Request missing = create("{}");
  missing.headers.erase(missing.headers.begin());
  CHECK(header_or_empty(host.run(engine, missing), "www-authenticate") == R"(Bearer realm="api")");
  Response r = host.run(engine, create(R"({"email":"u@example.com"})", "sk_test_revoked_0000000000000000"));
  CHECK(header_or_empty(r, "www-authenticate") ==
        R"(Bearer realm="api", error="invalid_token", error_description="The API key has been revoked.")");
  std::string token = sign_hs256(Json{{"alg", "HS256"}}, claims(host.now_ms / 1000));
  r = host.run(engine, create(R"({"email":"s@example.com"})", token));
  CHECK(r.status == 403);
  CHECK(header_or_empty(r, "www-authenticate") ==
        R"(Bearer realm="api", error="insufficient_scope", scope="memberships:write")");
  CHECK(Engine(Vars{{"ROUTING", "edge"}, {"JWT_REQUIRED_SCOPE", "a\"b"}}).config().error ==
        "JWT_REQUIRED_SCOPE must be one scope token");
}

TEST_CASE("Accept negotiation: problem+json only when preferred over application/json") {
  auto prefers = [](const char* accept) { return prefers_problem_details({{"Accept", accept}}); };
  CHECK(prefers("application/problem+json"));
  CHECK(prefers("application/json;q=0.5, application/problem+json"));
  CHECK(prefers("*/*;q=0.1, application/problem+json;q=0.2"));
  CHECK(prefers("application/*;q=0.3, application/problem+json;q=0.9"));
  CHECK(prefers("Application/Problem+JSON; charset=\"a,b\""));
  CHECK_FALSE(prefers("application/problem+json, application/json"));  // a tie keeps the envelope
  CHECK_FALSE(prefers("application/problem+json;q=0"));
  CHECK_FALSE(prefers("application/json, application/problem+json;q=0.9"));
  CHECK_FALSE(prefers("*/*"));
  CHECK_FALSE(prefers("application/problem+json;q=2"));  // an invalid q-value: the range is ignored
  CHECK_FALSE(prefers(""));
  CHECK_FALSE(prefers_problem_details({}));
  CHECK(prefers_problem_details({{"Accept", "application/json;q=0.1"}, {"accept", "application/problem+json"}}));
}

TEST_CASE("RFC 9457 problem details on request; the envelope unchanged otherwise") {
  native::MemoryHost host = seeded_host();
  Engine engine(Vars{{"ROUTING", "edge"}});
  std::string body = R"({"email":"x@example.com","permissions":["read","Bad","read"],"a/b~":1})";
  Response plain = host.run(engine, create(body));
  CHECK(header_or_empty(plain, "content-type") == "application/json");
  CHECK(
      plain.body ==
      R"({"message":"The request has invalid fields.","success":false,"error":{"code":42201,)"
      R"("message":"The request has invalid fields.","details":{"errors":[)"
      R"({"field":"permissions[1]","reason":"invalid_format","message":"Must match ^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$."},)"
      R"({"field":"permissions[2]","reason":"duplicate","message":"Duplicate permission."},)"
      R"({"field":"a/b~","reason":"unknown_field","message":"Unknown field."}]}}})");

  Response p =
      host.run(engine, create(body, kKey, {{"Accept", "application/problem+json"}, {"X-Request-Id", "rid-1"}}));
  CHECK(p.status == 422);
  CHECK(header_or_empty(p, "content-type") == "application/problem+json");
  Json j = body_of(p);
  CHECK(j["type"] == "https://membership-edge.example/docs/errors.md#42201");
  CHECK(j["title"] == "The request has invalid fields.");
  CHECK(j["status"] == 422);
  CHECK(j["code"] == 42201);
  CHECK(j["instance"] == "rid-1");
  REQUIRE(j["errors"].size() == 3);
  CHECK(j["errors"][0]["pointer"] == "/permissions/1");
  CHECK(j["errors"][1]["pointer"] == "/permissions/2");
  CHECK(j["errors"][2]["pointer"] == "/a~1b~0");
  CHECK(j["errors"][2]["reason"] == "unknown_field");

  // Other details become extension members; a 401 keeps its challenge.
  Response conflict_setup = host.run(engine, create(R"({"email":"y@example.com","permissions":["read"]})"));
  CHECK(conflict_setup.status == 201);
  Response c = host.run(engine, create(R"({"email":"y@example.com","permissions":["write"]})", kKey,
                                       {{"Accept", "application/problem+json"}}));
  CHECK(c.status == 409);
  CHECK(body_of(c)["existing_permissions"] == Json::array({"read"}));
  Response u = host.run(engine, create(R"({"email":"u@example.com"})", "sk_test_revoked_0000000000000000",
                                       {{"Accept", "application/problem+json"}}));
  CHECK(body_of(u)["code"] == 40104);
  CHECK(header(u.headers, "www-authenticate"));
}
