// libFuzzer target: the whole exchange. The input is a raw HTTP request (parsed by the WASI
// command's parser, so that is fuzzed too), then after a "\n#outcomes\n" marker a script of bytes
// deciding each effect's outcome: failures, absent keys, stored records (valid, corrupt, huge),
// origin answers. The core must always finish with a well-formed answer, in a bounded number of rounds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto.h"
#include "drive.h"
#include "envelope.h"
#include "exchange.h"
#include "http_io.h"
#include "json_dom.h"

namespace {

const char* kRecords[] = {
    R"({"id":"key_f","type":"secret","mode":"test","account_ids":["*"],"revoked":false,"expires_at":null})",
    R"({"id":"key:f","type":"secret","mode":"test","account_ids":["*"],"revoked":"false","expires_at":null})",
    R"({"id":"key_f","type":"secret","mode":"live","account_ids":["acct_1"],"revoked":false,"expires_at":"2030-01-01T00:00:00Z"})",
    R"({"id":"acct_1","workspace_id":"ws_1","name":"A"})",
    R"({"id":"wsm_1","workspace_id":"ws_1","user":{"id":"usr_1","email":"a@example.com","name":"A"}})",
    R"({"id":"usr_1","email":"a@example.com","name":"A"})",
    R"({"object":"account_membership","id":"am_x","account_id":"acct_1","user_id":"usr_1","permissions":["read"]})",
    R"({"fingerprint":"00","status":201,"body":"{}"})",
    R"({"fingerprint":"00","account_id":"acct_1","pending":true})",
    R"({"fetched_at":1795835220,"keys":[]})",
    "not json",
    R"({"id":1,"type":[],"account_ids":"*"})",
    "[]",
    R"({"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}})",
};
constexpr std::size_t kRecordCount = sizeof(kRecords) / sizeof(kRecords[0]);

mb::Engine& engine_for(unsigned char selector) {
  static mb::Engine engines[] = {
      mb::Engine({{"ROUTING", "edge"}}),
      mb::Engine({{"ROUTING", "auto"}, {"ORIGIN_URL", "http://127.0.0.1:9"}, {"ORIGIN_SHARED_SECRET", "s"}}),
      mb::Engine({{"ROUTING", "origin"}, {"ORIGIN_URL", "http://127.0.0.1:9"}, {"HOST_RATE_LIMITER_PERIOD", "60"}}),
      mb::Engine({{"ROUTING", "edge"}, {"HOST_WRITE_AUTHORITY", "1"}}),
      mb::Engine({{"ROUTING", "auto"}, {"ORIGIN_URL", "http://127.0.0.1:9"}, {"HOST_WRITE_AUTHORITY", "1"}}),
      mb::Engine({{"ROUTING", "edge"},
                  {"HOST_WEBCRYPTO", "1"},
                  {"JWT_ISSUER", "i"},
                  {"JWT_AUDIENCE", "a"},
                  {"JWT_HS256_SECRET", "0123456789abcdef0123456789abcdef"},
                  {"JWT_JWKS_URL", "http://127.0.0.1:9/jwks"},
                  {"RATE_LIMIT_PER_MINUTE", "2"},
                  {"RECORD_CACHE_SECONDS", "0"}}),
  };
  return engines[selector % (sizeof(engines) / sizeof(engines[0]))];
}

struct Script {
  std::string_view bytes;
  std::size_t at = 0;
  unsigned char next() { return bytes.empty() ? 0 : static_cast<unsigned char>(bytes[at++ % bytes.size()]); }
};

mb::Outcome outcome_for(const mb::Effect& e, Script& s) {
  mb::Outcome o;
  o.id = e.id;
  unsigned char b = s.next();
  if (b % 13 == 12) o.id ^= 1;  // the host answers another id: the core must not take it for this one
  if (b % 7 == 0) {
    o.failure = static_cast<mb::Failure>(1 + (b >> 4) % 4);
    return o;
  }
  switch (e.kind) {
    case mb::EffectKind::kv_get:
      if (b % 3 != 0) o.value = kRecords[s.next() % kRecordCount];
      if (b % 11 == 1) o.value = std::string(70 * 1024, 'x');
      break;
    case mb::EffectKind::kv_put:
    case mb::EffectKind::kv_release:
      break;
    case mb::EffectKind::fetch:
      o.status = 100 + s.next() * 2;
      o.body = kRecords[s.next() % kRecordCount];
      if (b % 5 == 1) o.body = R"({"message":"success","success":true,"data":)" + std::string(kRecords[5]) + "}";
      break;
    case mb::EffectKind::rate_limit:
      o.allowed = b & 1;
      break;
    case mb::EffectKind::verify_signature:
      o.valid = b & 1;
      break;
    case mb::EffectKind::sign:
      o.signature = std::string(b % 3 == 0 ? 64 : b % 70, 's');
      break;
    case mb::EffectKind::kv_put_if_absent:
    case mb::EffectKind::kv_claim:
      o.created = b & 1;
      if (!o.created && (b & 2)) o.value = kRecords[s.next() % kRecordCount];
      break;
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t marker = input.find("\n#outcomes\n");
  std::string_view http = input.substr(0, marker);
  Script script{marker == std::string_view::npos ? std::string_view() : input.substr(marker + 11)};
  mb::Engine& engine = engine_for(script.next());

  mb::Request req;
  std::string why;
  if (mb::wasi::parse_request(http, engine.config().max_body_bytes, req, why) != mb::wasi::ParseResult::ok) return 0;

  mb::Exchange exchange(engine);
  int rounds = 0;
  auto perform = [&](const std::vector<mb::Effect>& effects) {
    ++rounds;
    if (effects.empty()) std::abort();  // a step that is not done must ask for something
    std::vector<mb::Outcome> outcomes;
    for (const mb::Effect& e : effects) {
      if (e.key.size() > 512) std::abort();  // KV's key limit (src/kv_layout.h)
      outcomes.push_back(outcome_for(e, script));
    }
    return outcomes;
  };
  mb::DriveStats stats;
  mb::Step step = mb::drive(
      exchange, req, {1795835220000, std::string(64, '\x2a')}, perform,
      [&rounds] { return std::int64_t{1795835220000} + rounds; }, &stats);
  // The core answers 500 itself past kMaxRounds; the driver's own bound must never be reached.
  if (stats.rounds > mb::kMaxRounds + 1) std::abort();
  const mb::Response& r = step.response;
  if (r.status < 200 || r.status > 599) std::abort();
  if (!mb::header(r.headers, "content-type") || !mb::header(r.headers, "x-request-id")) std::abort();
  if (r.status != 204) {
    std::optional<mb::Json> body = mb::parse_json(r.body);
    if (!body || !body->is_object()) std::abort();
    // The edge's own answers are envelopes; an origin's JSON object is passed through as it is.
    if (step.log.route != "origin" && !body->contains("success")) std::abort();
    // Answers the edge builds stay small whatever the input (docs/api.md: under 16 KiB).
    if (step.log.route != "origin" && r.body.size() >= 16 * 1024 && !step.log.replayed) std::abort();
  }
  for (const mb::Effect& e : step.background)
    if (e.key.size() > 512) std::abort();  // KV's key limit (src/kv_layout.h)
  return 0;
}
