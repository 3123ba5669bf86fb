// Consistent creates (SPEC §4): with a write authority (kv_put_if_absent) concurrent creates of
// one membership give one 201 and one record, and a stale KV replica cannot make a second one.
#include <doctest/doctest.h>

#include "helpers.h"
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

TEST_CASE("two concurrent creates under one Idempotency-Key: one 201 and its replay") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  Request r = create(R"({"email":"race-idem@example.com"})", kKey, {{"Idempotency-Key", "race-1"}});
  auto [a, b] = race(host, engine, r, r);
  CHECK(a.status == 201);
  CHECK(b.status == 201);
  CHECK(a.body == b.body);  // the same membership, byte for byte
  int replayed =
      (header(a.headers, "idempotent-replayed") ? 1 : 0) + (header(b.headers, "idempotent-replayed") ? 1 : 0);
  CHECK(replayed == 1);
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

TEST_CASE("every edge write goes through the authority: membership, idempotency record, write-through") {
  native::MemoryHost host = seeded_host();
  Engine engine(authority_vars());
  host.run(engine, create(R"({"email":"w@example.com"})", kKey, {{"Idempotency-Key", "w-1"}}));
  int if_absent = 0;
  for (const Effect& e : all_effects(host)) {
    CHECK(e.kind != EffectKind::kv_put);
    if (e.kind == EffectKind::kv_put_if_absent) {
      ++if_absent;
      CHECK(e.scope == "test:acct_1");
    }
  }
  CHECK(if_absent == 2);

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
