// RFC 9421 signature bases, RFC 9530 Content-Digest and the BearSSL signatures of the forward,
// against the RFCs' own vectors (tests/vectors/data/rfc9421/rfc9421_rfc9530.json, sources named
// there), and the edge's keys, identity and trace context.
#include <doctest/doctest.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "config.h"
#include "crypto.h"
#include "edge_identity.h"
#include "http_signature.h"
#include "json_dom.h"
#include "signing_keys.h"
#include "trace_context.h"

using namespace mb;

namespace {

Json vectors() {
  std::ifstream in(std::string(MB_VECTORS_DIR) + "/rfc9421/rfc9421_rfc9530.json", std::ios::binary);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto j = parse_json(ss.str());
  REQUIRE(j);
  return *j;
}

std::string s(const Json& j) { return j.get<std::string>(); }

Headers headers_of(const Json& list) {
  Headers h;
  for (const Json& pair : list) h.emplace_back(s(pair[0]), s(pair[1]));
  return h;
}

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

// The base64 of a "label=:...:" Signature member, decoded (RFC 4648 §4, padded).
std::string signature_bytes(std::string_view member) {
  std::string_view b64 = member.substr(member.find(":") + 1);
  b64 = b64.substr(0, b64.rfind(':'));
  std::string url(b64);
  for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!url.empty() && url.back() == '=') url.pop_back();
  return base64url_decode(url).value_or("");
}

SignatureInput input_of(const Json& v) {
  SignatureInput in;
  for (const Json& c : v["components"]) in.components.push_back(s(c));
  in.params = {{"created", v["created"].get<std::int64_t>()}, {"keyid", s(v["keyid"])}};
  return in;
}

const char* kTestKey =
    R"({"kty":"EC","crv":"P-256","x":"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA","y":"Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0","d":"UpuF81l-kOxbjf7T4mNSv0r5tN67Gim7rnf6EFpcYDs"})";

}  // namespace

TEST_CASE("RFC 9421 B.2.5: the hmac-sha256 signature base and signature, byte for byte") {
  Json v = vectors()["rfc9421_b25_hmac_sha256"];
  SignedMessage m{s(v["method"]), s(v["target"]), s(v["authority"]), "https", 0, headers_of(v["headers"])};
  SignatureInput in = input_of(v);
  CHECK("sig-b25=" + signature_params(in) == s(v["signature_input"]));
  auto base = signature_base(m, in);
  REQUIRE(base);
  CHECK(*base == s(v["base"]));
  std::string key = signature_bytes(":" + s(v["key_base64"]) + ":");
  Sha256 mac = hmac_sha256(key, *base);
  CHECK("sig-b25=" + sf_byte_sequence(std::string(reinterpret_cast<const char*>(mac.data()), 32)) == s(v["signature"]));
}

TEST_CASE("RFC 9421 B.2.4: the ecdsa-p256-sha256 base is the RFC's and its signature verifies") {
  Json v = vectors()["rfc9421_b24_ecdsa_p256_sha256"];
  SignedMessage m;
  m.status = v["status"].get<int>();
  m.headers = headers_of(v["headers"]);
  auto base = signature_base(m, input_of(v));
  REQUIRE(base);
  CHECK(*base == s(v["base"]));
  std::string point = "\x04" + *base64url_decode(s(v["public_jwk"]["x"])) + *base64url_decode(s(v["public_jwk"]["y"]));
  std::string sig = signature_bytes(s(v["signature"]));
  CHECK(ecdsa_p256_sha256_verify(point, *base, sig));
  std::string tampered = *base;
  tampered[tampered.find("200")] = '3';
  CHECK(!ecdsa_p256_sha256_verify(point, tampered, sig));
  // The same key signing with BearSSL: a signature the RFC's public key accepts.
  std::string ours = ecdsa_p256_sha256_sign(*base64url_decode(s(v["private_d"])), *base);
  CHECK(ours.size() == 64);
  CHECK(ecdsa_p256_sha256_verify(point, *base, ours));
}

TEST_CASE("a missing covered component gives no base (a signer must not cover it)") {
  SignedMessage m{"POST", "/foo", "example.com", "https", 0, {{"Content-Type", "application/json"}}};
  SignatureInput in{{"content-type", "idempotency-key"}, {}};
  CHECK(!signature_base(m, in));
  in.components = {"@method", "@path", "@query"};
  CHECK(*signature_base(m, in) ==
        "\"@method\": POST\n\"@path\": /foo\n\"@query\": ?\n\"@signature-params\": (\"@method\" \"@path\" \"@query\")");
}

TEST_CASE("RFC 9530: Content-Digest sha-256 of the examples") {
  Json v = vectors()["rfc9530_sha256"];
  REQUIRE(v.size() == 4);
  for (const Json& c : v) CHECK_MESSAGE(content_digest_sha256(s(c["body"])) == s(c["content_digest"]), s(c["name"]));
}

TEST_CASE("RFC 6979 A.2.5: BearSSL's ECDSA signature is the deterministic one") {
  Json v = vectors()["rfc6979_a25_p256_sha256"];
  std::string d = from_hex(s(v["private_d_hex"]));
  CHECK(p256_public_point(d) == "\x04" + from_hex(s(v["public_x_hex"])) + from_hex(s(v["public_y_hex"])));
  CHECK(to_hex(reinterpret_cast<const unsigned char*>(ecdsa_p256_sha256_sign(d, s(v["message"])).data()), 64) == [&] {
    std::string hex = s(v["signature_hex"]);
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hex;
  }());
  CHECK(p256_public_point(std::string(32, '\0')).empty());    // zero is not a scalar
  CHECK(p256_public_point(std::string(32, '\xFF')).empty());  // nor is anything at or above the order
}

TEST_CASE("ORIGIN_SIGNING_KEY: a private P-256 JWK; anything else names the variable") {
  EdgeSigningKey key;
  CHECK(read_signing_key(kTestKey, key).empty());
  CHECK(key.pub.thumbprint.size() == 43);
  Config cfg = parse_config({{"ROUTING", "edge"}, {"ORIGIN_SIGNING_KEY", kTestKey}});
  CHECK(cfg.error.empty());
  REQUIRE(cfg.origin_signing_key);
  CHECK(cfg.signatures_directory.find("\"d\"") == std::string::npos);
  CHECK(cfg.signatures_directory.find(key.pub.thumbprint) != std::string::npos);
  std::string pub = kTestKey;
  pub = pub.substr(0, pub.find(",\"d\"")) + "}";
  std::string wrong_d = std::string(kTestKey).replace(std::string(kTestKey).find("UpuF"), 4, "VpuF");
  for (const std::string& bad : {pub, wrong_d, std::string(R"({"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"})"),
                                 std::string("not json"), std::string(R"({"kty":"EC","crv":"P-384"})")}) {
    Config c = parse_config({{"ROUTING", "edge"}, {"ORIGIN_SIGNING_KEY", bad}});
    CHECK_MESSAGE(c.error.rfind("ORIGIN_SIGNING_KEY", 0) == 0, bad);
  }
  CHECK(parse_config({{"ROUTING", "edge"}, {"ORIGIN_SIGNING_KEY", pub}}).error.find("public key") != std::string::npos);
  // NEXT: public keys only.
  std::string next = "{\"keys\":[" + pub + "]}";
  Config c = parse_config({{"ROUTING", "edge"}, {"ORIGIN_SIGNING_KEYS_NEXT", next}});
  CHECK(c.error.empty());
  CHECK(c.origin_signing_keys_next.size() == 1);
  CHECK(!c.signatures_directory.empty());
  for (const std::string& bad : {"{\"keys\":[" + std::string(kTestKey) + "]}", std::string("[") + pub + "]",
                                 std::string(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})")})
    CHECK(parse_config({{"ROUTING", "edge"}, {"ORIGIN_SIGNING_KEYS_NEXT", bad}})
              .error.rfind("ORIGIN_SIGNING_KEYS_NEXT", 0) == 0);
  CHECK(parse_config({{"ROUTING", "edge"}}).signatures_directory.empty());
}

TEST_CASE("FORWARD_CLAIMS and FORWARD_AUTHORIZATION are checked") {
  CHECK(parse_config({{"ROUTING", "edge"}, {"FORWARD_CLAIMS", "org_id, tier"}}).forward_claims ==
        std::vector<std::string>{"org_id", "tier"});
  for (const char* bad : {"Org", "sub", "auth", "a b", "9x"})
    CHECK(parse_config({{"ROUTING", "edge"}, {"FORWARD_CLAIMS", bad}}).error.rfind("FORWARD_CLAIMS", 0) == 0);
  CHECK(!parse_config({{"ROUTING", "edge"}, {"FORWARD_AUTHORIZATION", "false"}}).forward_authorization);
  CHECK(parse_config({{"ROUTING", "edge"}, {"FORWARD_AUTHORIZATION", "no"}}).error.rfind("FORWARD_AUTHORIZATION", 0) ==
        0);
}

TEST_CASE("X-Edge-Identity: an RFC 9651 dictionary; claims by type, others left out with a notice") {
  CHECK(edge_identity(false, "key_1", Mode::live, "acct_1", nullptr) ==
        R"(auth=api_key, cred="key_1", mode=live, account="acct_1")");
  std::vector<std::string> notices;
  JwtClaims c;
  c.sub = "user \xE2\x9C\x93";
  c.iss = "https://issuer.example";
  c.forwarded = read_forwarded_claims(
      R"({"org":"o \"1\"","n":42,"big":12345678901234567,"f":1.5,"ok":true,"no":false,"obj":{},"tier":null})",
      {"org", "n", "big", "f", "ok", "no", "obj", "tier", "absent"}, notices);
  CHECK(notices.size() == 4);  // big, f, obj, tier
  CHECK(edge_identity(true, "jwt%3Auser", Mode::test, "acct_1", &c) ==
        "auth=jwt, cred=\"jwt%3Auser\", mode=test, account=\"acct_1\", sub=%\"user %e2%9c%93\", "
        "iss=\"https://issuer.example\", org=\"o \\\"1\\\"\", n=42, ok, no=?0");
}

TEST_CASE("trace context: a valid traceparent is kept with its tracestate; an invalid one is dropped") {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto t = read_trace_context(
      {{"traceparent", tp}, {"tracestate", "congo=t61rcWkgMzE"}, {"tracestate", "rojo=00f067aa0ba902b7"}});
  REQUIRE(t);
  CHECK(t->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(t->tracestate == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  CHECK(read_trace_context({{"traceparent", tp}, {"tracestate", "Bad Key=1"}})->tracestate.empty());
  CHECK(read_trace_context({{"traceparent", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"}}));
  for (const std::string& bad :
       {std::string("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
        std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
        std::string("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
        std::string("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), tp + "-x", tp.substr(0, 54),
        std::string("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")})
    CHECK_MESSAGE(!read_trace_context({{"traceparent", bad}}), bad);
  CHECK(!read_trace_context({{"traceparent", tp}, {"traceparent", tp}}));
}
