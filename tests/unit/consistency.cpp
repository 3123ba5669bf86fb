// Consistent creates: with a write authority (kv_put_if_absent) concurrent creates of one
// membership give one 201 and one record, and a stale KV replica cannot make a second one; an
// Idempotency-Key is claimed (kv_claim) before any work, so one request runs per key.
#include <doctest/doctest.h>

#include "helpers.h"
#include "idempotency.h"
#include "kv_layout.h"

using namespace mb;
using namespace mb::testing;

namespace {

Vars authority_vars() { return Vars{{"ROUTING", "edge"}, {"HOST_WRITE_AUTHORITY", "1"}}; }

// Runs two exchanges in lock step: each batch of the first, then the same round of the second,
// so both read before either writes — the race KV alone cannot settle.
std::pair<Response, Response> race(native::MemoryHost& host, Engine& engine, const Request& a, const Request& b) {
  Exchange x(engine), y(engine);
  Step sx = x.begin(a, {host.now_ms, host.next_random()});
  Step sy = y.begin(b, {host.now_ms, host.next_random()});
  for (int round = 0; round < kMaxRounds && (!sx.done || !sy.done); ++round) {
    std::vector<Outcome> ox, oy;
    if (!sx.done)
      for (const Effect& e : sx.effects) ox.push_back(host.perform(e));
    if (!sy.done)
      for (const Effect& e : sy.effects) oy.push_back(host.perform(e));
    if (!sx.done) sx = x.resume(ox, host.now_ms);
    if (!sy.done) sy = y.resume(oy, host.now_ms);
  }
  for (const Effect& e : sx.background) host.perform(e);
  for (const Effect& e : sy.background) host.perform(e);
  return {sx.response, sy.response};
}

}  // namespace

TEST_CASE("two concurrent creates of one membership: one 201, one 200 with the same id, one record") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  Request r = create(R"({"email":"race@example.com","permissions":["read"]})");
  auto [a, b] = race(host, engine, r, r);
  std::vector<int> statuses{a.status, b.status};
  std::sort(statuses.begin(), statuses.end());
  CHECK(statuses == std::vector<int>{200, 201});
  CHECK(body_of(a)["data"]["id"] == body_of(b)["data"]["id"]);
  CHECK(host.count_prefix("test", "account_membership:test:acct_1:email:race@example.com") == 1);

  // Without a write authority the same race gives two 201s (KV has no compare-and-set).
  native::MemoryHost plain = seeded_host();
  Engine kv_only(Vars{{"ROUTING", "edge"}});
  auto [c, d] = race(plain, kv_only, r, r);
  CHECK(c.status == 201);
  CHECK(d.status == 201);
  CHECK(body_of(c)["data"]["id"] != body_of(d)["data"]["id"]);
}

TEST_CASE("two concurrent creates under one Idempotency-Key: one 201, the other 40903 while it runs, then the replay") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  Request r = create(R"({"email":"race-idem@example.com"})", kKey, {{"Idempotency-Key", "race-1"}});
  auto [a, b] = race(host, engine, r, r);
  CHECK(a.status == 201);
  CHECK(b.status == 409);
  CHECK(code_of(b) == code(Error::idempotency_key_in_progress));
  CHECK(header(b.headers, "retry-after") == std::optional<std::string_view>("1"));
  Response replay = host.run(engine, r);
  CHECK(replay.body == a.body);  // the same membership, byte for byte
  CHECK(header(replay.headers, "idempotent-replayed") == std::optional<std::string_view>("true"));
  CHECK(host.count_prefix("test", "account_membership:test:acct_1:email:race-idem@example.com") == 1);
  // The same key with another body is another request: 409 once the record is there.
  Response other =
      host.run(engine, create(R"({"email":"race-other@example.com"})", kKey, {{"Idempotency-Key", "race-1"}}));
  CHECK(other.status == 409);
  CHECK(code_of(other) == code(Error::idempotency_key_reused));
}

TEST_CASE("kv_get:stale: an existing membership answers 200 with its id, an Idempotency-Key retry its stored answer") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  Response first = host.run(engine, create(R"({"email":"stale@example.com"})"));
  REQUIRE(first.status == 201);
  Response keyed =
      host.run(engine, create(R"({"email":"stale-key@example.com"})", kKey, {{"Idempotency-Key", "st-1"}}));
  REQUIRE(keyed.status == 201);

  host.faults = {"kv_get:stale"};  // the replica has seen none of it
  Response again = host.run(engine, create(R"({"email":"stale@example.com"})"));
  CHECK(again.status == 200);
  CHECK(body_of(again)["data"]["id"] == body_of(first)["data"]["id"]);
  bool read_stale = false;
  for (const auto& round : host.rounds)
    for (const Effect& e : round)
      if (e.kind == EffectKind::kv_get && e.key.rfind("account_membership:", 0) == 0)
        read_stale = e.scope == kv::authority(Mode::test, "acct_1");
  CHECK(read_stale);
  CHECK(host.count_prefix("test", "account_membership:test:acct_1:email:stale@example.com") == 1);

  Response retry =
      host.run(engine, create(R"({"email":"stale-key@example.com"})", kKey, {{"Idempotency-Key", "st-1"}}));
  CHECK(retry.status == 201);
  CHECK(retry.body == keyed.body);
  CHECK(header(retry.headers, "idempotent-replayed") == std::optional<std::string_view>("true"));
}

TEST_CASE("every edge write goes through an authority: claim, membership, idempotency record, write-through") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  host.run(engine, create(R"({"email":"w@example.com"})", kKey, {{"Idempotency-Key", "w-1"}}));
  const std::string record = kv::idempotency(Mode::test, "key_test_1", "w-1");
  std::vector<std::string> writes;
  for (const Effect& e : all_effects(host)) {
    if (e.kind == EffectKind::kv_get) continue;
    writes.push_back(std::string(kind_name(e.kind)) + " " + e.scope);
  }
  // The key is claimed on its own authority, the membership created on the account's, and the
  // answer replaces the claim.
  CHECK(writes == std::vector<std::string>{"kv_claim " + record, "kv_put_if_absent test:acct_1", "kv_put " + record});

  Engine origin(Vars{{"ROUTING", "auto"}, {"ORIGIN_URL", "https://origin.test"}, {"HOST_WRITE_AUTHORITY", "1"}});
  host.fetch = [](const Effect&) {
    Outcome o;
    o.status = 201;
    o.body =
        R"({"message":"success","success":true,"data":{"object":"account_membership","id":"am_1","account_id":"acct_1","user_id":null,"workspace_membership_id":null,"permissions":[],"created_at":"2026-11-28T03:07:00Z","updated_at":"2026-11-28T03:07:00Z","user":{"id":null,"email":"live@example.com","name":null}}})";
    return o;
  };
  CHECK(host.run(origin, create(R"({"email":"live@example.com"})", kLiveKey)).status == 201);
  REQUIRE(host.background.size() == 1);
  CHECK(host.background[0].kind == EffectKind::kv_put_if_absent);
  CHECK(host.background[0].scope == "live:acct_1");
}

namespace {

// A request run up to its first fetch (or to its end): the exchange and its current step.
struct Running {
  Exchange exchange;
  Step step;
  Running(native::MemoryHost& host, Engine& engine, const Request& r) : exchange(engine) {
    step = exchange.begin(r, {host.now_ms, host.next_random()});
    while (!step.done && std::none_of(step.effects.begin(), step.effects.end(),
                                      [](const Effect& e) { return e.kind == EffectKind::fetch; })) {
      std::vector<Outcome> out;
      for (const Effect& e : step.effects) out.push_back(host.perform(e));
      step = exchange.resume(out, host.now_ms);
    }
  }
  // Answers the fetch (and any other effect) through the host, to the end; background performed
  // unless `crash` (the host died after answering).
  Response finish(native::MemoryHost& host, bool crash = false) {
    while (!step.done) {
      std::vector<Outcome> out;
      for (const Effect& e : step.effects) out.push_back(host.perform(e));
      step = exchange.resume(out, host.now_ms);
    }
    if (!crash)
      for (const Effect& e : step.background) host.perform(e);
    return step.response;
  }
};

Vars forward_vars() {
  return Vars{{"ROUTING", "origin"}, {"ORIGIN_URL", "https://origin.test"}, {"HOST_WRITE_AUTHORITY", "1"}};
}

Outcome origin_created(const Effect&) {
  Outcome o;
  o.status = 201;
  o.body = R"({"message":"success","success":true,"data":{"id":"am_Origin"}})";
  return o;
}

int fetches(const native::MemoryHost& host) {
  int n = 0;
  for (const auto& round : host.rounds)
    for (const Effect& e : round) n += e.kind == EffectKind::fetch;
  return n;
}

}  // namespace

TEST_CASE("one Idempotency-Key for two accounts at once: one runs, the other is refused (the key is the scope)") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  Request a = create(R"({"email":"two@example.com"})", kKey, {{"Idempotency-Key", "acct-race"}}, "acct_1");
  Request b = create(R"({"email":"two@example.com"})", kKey, {{"Idempotency-Key", "acct-race"}}, "acct_2");
  auto [ra, rb] = race(host, engine, a, b);
  CHECK(ra.status == 201);
  CHECK(rb.status == 409);
  CHECK(code_of(rb) == code(Error::idempotency_key_reused));  // the fingerprint holds the account
  CHECK(host.count_prefix("test", "account_membership:test:acct_2:") == 0);
  // Later, the first request's retry replays its answer.
  Response retry = host.run(engine, a);
  CHECK(retry.body == ra.body);
  CHECK(header(retry.headers, "idempotent-replayed") == std::optional<std::string_view>("true"));
}

TEST_CASE("one Idempotency-Key with two bodies at once: one answered, the other 40902, one membership") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  Request a = create(R"({"email":"body-a@example.com"})", kKey, {{"Idempotency-Key", "body-race"}});
  Request b = create(R"({"email":"body-b@example.com"})", kKey, {{"Idempotency-Key", "body-race"}});
  auto [ra, rb] = race(host, engine, a, b);
  CHECK(ra.status == 201);
  CHECK(rb.status == 409);
  CHECK(code_of(rb) == code(Error::idempotency_key_reused));
  CHECK(host.count_prefix("test", "account_membership:test:acct_1:email:body-") == 1);
}

TEST_CASE("a forward under an Idempotency-Key runs once: 40903 with Retry-After while it runs, then the replay") {
  native::MemoryHost host = seeded_host();
  Engine engine(forward_vars());
  host.fetch = origin_created;
  Request r = create(R"({"email":"once@example.com"})", kLiveKey, {{"Idempotency-Key", "once-1"}});
  Running first(host, engine, r);
  REQUIRE_FALSE(first.step.done);  // waiting on the origin, the key claimed
  const std::string record = kv::idempotency(Mode::live, "key_live_1", "once-1");
  const std::string* claim = host.get("live", record);
  REQUIRE(claim);
  Json marker = parse_json(*claim).value_or(Json());
  CHECK(marker["pending"] == true);
  CHECK(marker["account_id"] == "acct_1");

  for (int i = 0; i < 5; ++i) {
    Response busy = host.run(engine, r);
    CHECK(busy.status == 409);
    CHECK(code_of(busy) == code(Error::idempotency_key_in_progress));
    CHECK(header(busy.headers, "retry-after") == std::optional<std::string_view>("1"));
    CHECK(fetches(host) == 0);
  }
  Response other = host.run(engine, create(R"({"email":"x@example.com"})", kLiveKey, {{"Idempotency-Key", "once-1"}}));
  CHECK(code_of(other) == code(Error::idempotency_key_reused));

  Response done = first.finish(host);
  CHECK(done.status == 201);
  Response replay = host.run(engine, r);
  CHECK(replay.status == 201);
  CHECK(replay.body == done.body);
  CHECK(header(replay.headers, "idempotent-replayed") == std::optional<std::string_view>("true"));
  CHECK(fetches(host) == 0);
  for (const Effect& e : all_effects(host)) CHECK(e.kind != EffectKind::kv_claim);  // a finished key: no claim
}

TEST_CASE("a failed forward releases the key: the retry is forwarded again") {
  for (Failure f : {Failure::refused, Failure::timeout}) {
    native::MemoryHost host = seeded_host();
    Engine engine(forward_vars());
    host.fetch = [f](const Effect&) {
      Outcome o;
      o.failure = f;
      return o;
    };
    Request r = create(R"({"email":"down@example.com"})", kLiveKey, {{"Idempotency-Key", "down-1"}});
    Response failed = host.run(engine, r);
    CHECK(failed.status == (f == Failure::timeout ? 504 : 502));
    REQUIRE(host.background.size() == 1);
    CHECK(host.background[0].kind == EffectKind::kv_release);
    CHECK(host.get("live", kv::idempotency(Mode::live, "key_live_1", "down-1")) == nullptr);
    host.fetch = origin_created;
    Response retry = host.run(engine, r);
    CHECK(retry.status == 201);
    CHECK(fetches(host) == 1);
  }
}

TEST_CASE("the claim's failures: a failed claim is 503 with no work; a lost answer leaves a claim that expires") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  Request r = create(R"({"email":"claim@example.com"})", kKey, {{"Idempotency-Key", "claim-1"}});
  host.faults = {"kv_claim:throw"};
  Response refused = host.run(engine, r);
  CHECK(refused.status == 503);
  for (const Effect& e : all_effects(host))
    CHECK((e.kind == EffectKind::kv_get || e.kind == EffectKind::kv_claim));  // nothing written
  host.faults.clear();

  // The host dies after answering 201, before the answer replaced the claim.
  Running first(host, engine, r);
  Response created = first.finish(host, /*crash=*/true);
  REQUIRE(created.status == 201);
  CHECK(code_of(host.run(engine, r)) == code(Error::idempotency_key_in_progress));
  host.now_ms += kClaimMarginMs + 1000;  // the claim expired: it counts as absent
  Response retry = host.run(engine, r);
  CHECK(retry.status == 201);
  CHECK(retry.body == created.body);  // the same membership (its id comes from the key), replayed
  CHECK(host.count_prefix("test", "account_membership:test:acct_1:email:claim@example.com") == 1);
  Response replay = host.run(engine, r);
  CHECK(header(replay.headers, "idempotent-replayed") == std::optional<std::string_view>("true"));
  CHECK(replay.body == created.body);
}

TEST_CASE("the claim costs one round, only with an Idempotency-Key; an edge 5xx releases it") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  host.run(engine, create(R"({"email":"plain@example.com"})"));
  std::size_t plain = host.rounds.size();
  host.run(engine, create(R"({"email":"keyed@example.com"})", kKey, {{"Idempotency-Key", "rounds-1"}}));
  CHECK(host.rounds.size() == plain + 1);

  host.faults = {"kv_put:throw"};  // the membership's write fails: 503, and the key is free again
  Request r = create(R"({"email":"fail@example.com"})", kKey, {{"Idempotency-Key", "rounds-2"}});
  CHECK(host.run(engine, r).status == 503);
  REQUIRE(host.background.size() == 1);
  CHECK(host.background[0].kind == EffectKind::kv_release);
  host.faults.clear();
  CHECK(host.run(engine, r).status == 201);
}

TEST_CASE("the claim's lifetime: the origin's timeout plus the margin when the request may be forwarded") {
  native::MemoryHost host = seeded_host();
  auto claim_ttl = [&](Engine& engine, const Request& r) {
    host.run(engine, r);
    for (const Effect& e : all_effects(host))
      if (e.kind == EffectKind::kv_claim) return e.ttl_seconds;
    return 0u;
  };
  Engine edge(authority_vars());
  CHECK(claim_ttl(edge, create(R"({"email":"t1@example.com"})", kKey, {{"Idempotency-Key", "ttl-1"}})) ==
        kClaimMarginMs / 1000);
  Vars v = forward_vars();
  v["ORIGIN_TIMEOUT_MS"] = "7500";
  Engine fwd(v);
  host.fetch = origin_created;
  CHECK(claim_ttl(fwd, create(R"({"email":"t2@example.com"})", kLiveKey, {{"Idempotency-Key", "ttl-2"}})) ==
        (7500 + kClaimMarginMs + 999) / 1000);
}
