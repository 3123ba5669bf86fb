// Known-answer vectors from tests/vectors/data (Wycheproof, RFC 7515 Appendix A), checked natively.
// The same checks run inside the WASI module: tests/wasm/crypto_vectors.test.mjs.
// Skipped (with a message) where the folder is absent; failing where it is present and disagrees.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "jwks.h"
#include "vectors/vector_checks.h"

namespace {

using mb::vectors::VectorReport;

// nullopt and a SKIP message when the vectors folder is absent; a failure when the folder is
// there but the file is not (a present folder must never pass by reading nothing).
std::optional<std::string> read_vector(const std::string& rel) {
  // MB_VECTORS_DIR in the environment overrides the build's path (e.g. to see the skip).
  const char* env = std::getenv("MB_VECTORS_DIR");
  const std::string dir = env && *env ? env : MB_VECTORS_DIR;
  if (!std::ifstream(dir + "/README.md")) {
    MESSAGE("SKIP: vectors folder " << dir << " is absent; " << rel << " not checked");
    return std::nullopt;
  }
  std::ifstream in(dir + "/" + rel, std::ios::binary);
  if (!in) {
    FAIL_CHECK("vectors folder is present but " << rel << " cannot be read");
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Expected {
  int total, valid, invalid, acceptable, skipped;
};

void check_report(const VectorReport& r, const Expected& e) {
  INFO(r.name);
  CHECK_MESSAGE(r.loaded, r.error);
  for (const std::string& d : r.disagreements) FAIL_CHECK("disagreement: " << d);
  for (const std::string& n : r.notes) MESSAGE(r.name << ": " << n);  // acceptable cases and skips, logged
  // The counts come from tests/vectors/data/README.md (and our mapping): a run that reads fewer
  // cases, or skips more, fails instead of passing vacuously.
  CHECK(r.total == e.total);
  CHECK(r.valid == e.valid);
  CHECK(r.invalid == e.invalid);
  CHECK(r.acceptable == e.acceptable);
  CHECK(r.skipped == e.skipped);
  CHECK(r.valid_agree == r.valid);
  CHECK(r.invalid_agree == r.invalid);
  CHECK(r.acceptable_accepted + r.acceptable_rejected == r.acceptable);
  CHECK(r.ok());
}

}  // namespace

TEST_SUITE("vectors") {
  TEST_CASE("Wycheproof RSASSA-PKCS1-v1_5 2048/SHA-256 (RS256) vectors agree") {
    if (auto text = read_vector("wycheproof/rsa_signature_2048_sha256_test.json"))
      check_report(mb::vectors::check_wycheproof_rsa(*text), {259, 9, 249, 1, 0});
  }

  TEST_CASE("Wycheproof ECDSA P-256/SHA-256 P1363 (ES256) vectors agree") {
    if (auto text = read_vector("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json"))
      check_report(mb::vectors::check_wycheproof_ecdsa(*text), {262, 173, 89, 0, 0});
  }

  TEST_CASE("Wycheproof HMAC-SHA256 (HS256: full 256-bit tags) vectors agree") {
    // 174 cases; the 87 with a 128-bit tag do not apply to HS256.
    if (auto text = read_vector("wycheproof/hmac_sha256_test.json"))
      check_report(mb::vectors::check_wycheproof_hmac(*text), {174, 33, 54, 0, 87});
  }

  TEST_CASE("Wycheproof JSON Web Key cases agree with the JWKS loader, where they map") {
    // 26 cases; skipped: the four valid HS256/384/512 cases (oct keys are not read from a JWKS)
    // and tcId 7 (ROCA key: logged, not asserted). See the mapping in vector_checks.cpp.
    if (auto text = read_vector("wycheproof/json_web_key_test.json"))
      check_report(mb::vectors::check_wycheproof_jwk(*text), {26, 1, 20, 0, 5});
  }

  // With e = 1 "verification" is the identity, so anyone could forge a signature: the PKCS#1 block
  // itself would be a valid signature (Wycheproof json_web_key_test tcId 9). Found by these vectors.
  TEST_CASE("the JWKS loader ignores an RSA key with public exponent 1 (Wycheproof JWK tcId 9)") {
    // Wycheproof's modulus (2048 bits), e = 1.
    const std::string jwks =
        R"({"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"RS256_2048","e":"AQ","n":")"
        "u-SfdHPjFtGmzuoH6gheIIZ4nLwUHBQEtFGqOe0N8JuZUc5VOzlI8yl0r8ESilAouttkdftexj4VFJz5R9FH90ypVQDPL0H4mC_R"
        "tkcJ1DBB8MriU8dmzqSXP1SBs4s5L-pJWxKKLjXddD6gXJZ7HT_aPl2olvlLh8JkD_52U6sjdeP3OWDKvMu5GsrMlS9XJCVaCx8r"
        "9698OEElwK-ZW9PztgTSb-MvyTuyzis5Yc13n_z0wMLahpDilI2fzNsZ3yH6htu4VXPraSEZV6C0Z7epAAAUqiUnxh3WRupEICae"
        "wYEnW3MVS2hHwLwtPu_RR0XHoZr1oPSlQMP3Zi2QKw"
        R"("}]})";
    std::optional<mb::JwksDocument> doc = mb::read_jwks(jwks);
    REQUIRE(doc);
    const mb::KeySet& keys = doc->keys;
    CHECK(keys.keys.empty());
    CHECK(keys.ignored.size() == 1);
  }

  TEST_CASE("RFC 7515 A.1-A.3 verify, A.4 (ES512) and A.5 (alg none) are refused") {
    if (auto text = read_vector("rfc7515/rfc7515_appendix_a.json"))
      check_report(mb::vectors::check_rfc7515(*text), {5, 3, 1, 0, 1});
  }

  TEST_CASE("the vector checker fails on a disagreeing or truncated file") {
    auto text = read_vector("wycheproof/hmac_sha256_test.json");
    if (!text) return;
    std::optional<mb::Json> parsed = mb::parse_json(*text);
    REQUIRE(parsed);
    mb::Json& first = (*parsed)["testGroups"][0]["tests"][0];
    REQUIRE(first["result"] == "valid");

    mb::Json flipped = *parsed;  // a valid tag now claimed invalid
    flipped["testGroups"][0]["tests"][0]["result"] = "invalid";
    VectorReport r = mb::vectors::check_wycheproof_hmac(mb::dump(flipped));
    CHECK(r.loaded);
    CHECK(r.disagreements.size() == 1);
    CHECK_FALSE(r.ok());

    mb::Json truncated = *parsed;  // one case fewer than numberOfTests
    truncated["testGroups"][0]["tests"].erase(0);
    r = mb::vectors::check_wycheproof_hmac(mb::dump(truncated));
    CHECK_FALSE(r.loaded);
    CHECK_FALSE(r.ok());

    CHECK_FALSE(mb::vectors::check_wycheproof_rsa("{not json").ok());
    CHECK_FALSE(mb::vectors::check_wycheproof_ecdsa("{}").ok());
  }

}  // TEST_SUITE
