// The worker ABI's frames (wasm/frames.h): exact round trips, and refusals of every malformed
// shape without reading past the end.
#include <doctest/doctest.h>

#include "frames.h"

using namespace mb;

namespace {

Effect put_effect() {
  Effect e;
  e.id = 7;
  e.kind = EffectKind::kv_put;
  e.store = "test";
  e.key = "account_membership:test:acct_1:usr_1";
  e.value = std::string("{\"name\":\"Zo\xC3\xAB \\\"Q\\\"\\n\"}\0tail", 26);
  e.ttl_seconds = 86400;
  return e;
}

}  // namespace

TEST_CASE("frames: a request round-trips, bytes as they are") {
  Request r;
  r.method = "POST";
  r.target = "/v1/account-memberships/?account_id=acct_%C3%A9";
  r.headers = {{"Authorization", "Bearer sk_test_x"}, {"X-Empty", ""}, {"X-Bytes", std::string("a\0\"\\\n", 5)}};
  r.body_truncated = true;
  std::string frame = frames::write_request(r);
  Request back;
  REQUIRE(frames::read_request(frame, back));
  CHECK(back.method == r.method);
  CHECK(back.target == r.target);
  CHECK(back.headers == r.headers);
  CHECK(back.body_truncated);
}

TEST_CASE("frames: a malformed request frame is refused") {
  Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"a", "b"}};
  std::string frame = frames::write_request(r);
  Request out;
  for (std::size_t n = 0; n < frame.size(); n++) CHECK_FALSE(frames::read_request(frame.substr(0, n), out));
  CHECK_FALSE(frames::read_request(frame + '\0', out));
  std::string flags = frame;
  flags[0] = 2;  // an unknown flag
  CHECK_FALSE(frames::read_request(flags, out));
  std::string count = frame;
  count[frame.size() - 14] = '\xFF';  // the header count: more than the bytes could hold
  CHECK_FALSE(frames::read_request(count, out));
}

TEST_CASE("frames: outcomes round-trip; absent value, failure, fetch answer and rate limit") {
  std::vector<Outcome> in(4);
  in[0].id = 1;
  in[0].value = std::nullopt;
  in[1].id = 2;
  in[1].value = "";  // present and empty is not absent
  in[2].id = 3;
  in[2].failure = Failure::timeout;
  in[2].detail = "after 5000 ms";
  in[3].id = 4;
  in[3].status = 201;
  in[3].headers = {{"Retry-After", "5"}};
  in[3].body = "{\"data\":{}}";
  in[3].allowed = false;
  std::string frame = frames::write_outcomes(in);
  std::vector<Outcome> out;
  REQUIRE(frames::read_outcomes(frame, out));
  REQUIRE(out.size() == 4);
  CHECK(!out[0].value);
  CHECK(out[1].value == std::optional<std::string>(""));
  CHECK(out[2].failure == Failure::timeout);
  CHECK(out[2].detail == "after 5000 ms");
  CHECK(out[3].status == 201);
  CHECK(out[3].headers == in[3].headers);
  CHECK(out[3].body == in[3].body);
  CHECK(!out[3].allowed);
  CHECK(frames::write_outcomes(out) == frame);
  for (std::size_t n = 0; n < frame.size(); n++) {
    std::vector<Outcome> partial;
    CHECK_FALSE(frames::read_outcomes(frame.substr(0, n), partial));
  }
}

TEST_CASE("frames: steps round-trip, with effects, background writes, log and notices") {
  Step waiting;
  waiting.effects = {put_effect()};
  waiting.notices = {"a notice"};
  Step done;
  done.done = true;
  done.response.status = 201;
  done.response.headers = {{"Content-Type", "application/json"}};
  done.response.body = "{\"data\":{\"name\":\"\\u0000\"}}";
  done.background = {put_effect()};
  done.log.request_id = "req_1";
  done.log.status = 201;
  done.log.credential_id = "key_1";
  done.log.mode = "test";
  done.log.route = "edge";
  done.log.replayed = true;
  for (const Step* s : {&waiting, &done}) {
    std::string frame;
    frames::write_step(*s, frame);
    Step back;
    REQUIRE(frames::read_step(frame, back));
    CHECK(back.done == s->done);
    CHECK(back.response.body == s->response.body);
    CHECK(back.notices == s->notices);
    const auto& effects = s->done ? back.background : back.effects;
    REQUIRE(effects.size() == 1);
    CHECK(effects[0].value == put_effect().value);
    CHECK(effects[0].ttl_seconds == 86400);
    CHECK(back.log.replayed == s->log.replayed);
    std::string again;
    frames::write_step(back, again);
    CHECK(again == frame);
  }
}

TEST_CASE("frames: signature effects have their own fields; a sign outcome carries its bytes; the log its trace id") {
  Step waiting;
  Effect sign;
  sign.id = 3;
  sign.kind = EffectKind::sign;
  sign.alg = "ES256";
  sign.jwk = R"({"kty":"EC","crv":"P-256","x":"x","y":"y","d":"d"})";
  sign.signed_data = std::string("\"@method\": POST\n\0base", 21);
  Effect verify;
  verify.id = 4;
  verify.kind = EffectKind::verify_signature;
  verify.alg = "RS256";
  verify.jwk = R"({"kty":"RSA"})";
  verify.signed_data = "header.payload";
  verify.signature = std::string("\xFF\0\x01", 3);
  waiting.effects = {sign, verify};
  std::string frame;
  frames::write_step(waiting, frame);
  Step back;
  REQUIRE(frames::read_step(frame, back));
  REQUIRE(back.effects.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const Effect& want = waiting.effects[i];
    CHECK(back.effects[i].kind == want.kind);
    CHECK(back.effects[i].alg == want.alg);
    CHECK(back.effects[i].jwk == want.jwk);
    CHECK(back.effects[i].signed_data == want.signed_data);
    CHECK(back.effects[i].signature == want.signature);
    CHECK(back.effects[i].key.empty());
    CHECK(back.effects[i].method.empty());
  }
  std::vector<Outcome> outcomes(1);
  outcomes[0].id = 3;
  outcomes[0].signature = std::string(64, '\x7F');
  std::vector<Outcome> read;
  REQUIRE(frames::read_outcomes(frames::write_outcomes(outcomes), read));
  CHECK(read[0].signature == outcomes[0].signature);
  Step done;
  done.done = true;
  done.log.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  frames::write_step(done, frame);
  Step done_back;
  REQUIRE(frames::read_step(frame, done_back));
  CHECK(done_back.log.trace_id == done.log.trace_id);
  std::string kind = frame;
  frames::write_step(waiting, kind);
  kind[12] = 9;  // done, count, id, then the kind: one past the last (kv_release)
  Step refused;
  CHECK_FALSE(frames::read_step(kind, refused));
}
