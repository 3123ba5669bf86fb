#include "vector_checks.h"

#include <cstdint>
#include <functional>
#include <optional>

#include "config.h"
#include "credential_form.h"
#include "crypto.h"
#include "errors.h"
#include "jwks.h"
#include "jwt_checks.h"

namespace mb::vectors {

namespace {

// --- JSON access that never throws (JSON_NOEXCEPTION aborts on a bad .at() or get) ----------

const Json* member(const Json& o, const char* name) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(name);
  return it == o.end() ? nullptr : &*it;
}

const std::string* str_member(const Json& o, const char* name) {
  const Json* m = member(o, name);
  return m && m->is_string() ? m->get_ptr<const std::string*>() : nullptr;
}

std::optional<std::int64_t> int_member(const Json& o, const char* name) {
  const Json* m = member(o, name);
  if (m && m->is_number_unsigned()) return static_cast<std::int64_t>(m->get_ref<const Json::number_unsigned_t&>());
  if (m && m->is_number_integer()) return m->get_ref<const Json::number_integer_t&>();
  return std::nullopt;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::optional<std::string> hex_member(const Json& o, const char* name) {
  const std::string* s = str_member(o, name);
  return s ? hex_decode(*s) : std::nullopt;
}

std::string bytes_view(const Sha256& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

// --- the walk over Wycheproof's testGroups[].tests[] ------------------------------------------

struct Outcome {
  enum Kind { accepted, rejected, skipped, unreadable } kind = rejected;
  std::string why;  // for skips, unreadable vectors and disagreements
};

using CaseFn = std::function<Outcome(const Json& group, const Json& test)>;

VectorReport load(std::string_view name, std::string_view text, Json& parsed) {
  VectorReport r;
  r.name = std::string(name);
  // The vector files nest 6 levels at most; 32 is the parser's default cap.
  std::optional<Json> doc = parse_json(text);
  if (!doc)
    r.error = "not strict JSON";
  else if (!doc->is_object())
    r.error = "not a JSON object";
  else
    parsed = std::move(*doc);
  return r;
}

void count(VectorReport& r, std::int64_t tc_id, const std::string& expected, const std::string& comment,
           const Outcome& o) {
  ++r.total;
  std::string who = "tcId " + std::to_string(tc_id) + (comment.empty() ? "" : " (" + comment + ")");
  if (o.kind == Outcome::skipped) {
    ++r.skipped;
    if (!o.why.empty()) r.notes.push_back(who + ": skipped: " + o.why);
    return;
  }
  if (o.kind == Outcome::unreadable) {
    r.disagreements.push_back(who + ": unreadable vector: " + o.why);
    return;
  }
  bool ok = o.kind == Outcome::accepted;
  ++r.checked;
  r.verdicts.emplace_back(tc_id, ok);
  std::string got = ok ? "accepted" : "rejected";
  if (expected == "valid") {
    ++r.valid;
    if (ok)
      ++r.valid_agree;
    else
      r.disagreements.push_back(who + ": expected valid, got " + got + (o.why.empty() ? "" : ": " + o.why));
  } else if (expected == "invalid") {
    ++r.invalid;
    if (!ok)
      ++r.invalid_agree;
    else
      r.disagreements.push_back(who + ": expected invalid, got " + got + (o.why.empty() ? "" : ": " + o.why));
  } else {  // acceptable: either outcome is allowed, so it is logged, not asserted
    ++r.acceptable;
    ++(ok ? r.acceptable_accepted : r.acceptable_rejected);
    r.notes.push_back(who + ": acceptable, " + got + (o.why.empty() ? "" : ": " + o.why));
  }
}

VectorReport walk_wycheproof(std::string_view name, std::string_view text, const CaseFn& fn) {
  Json parsed;
  VectorReport r = load(name, text, parsed);
  if (!r.error.empty()) return r;
  const Json& doc = parsed;
  auto declared = int_member(doc, "numberOfTests");
  const Json* groups = member(doc, "testGroups");
  if (!declared || !groups || !groups->is_array()) {
    r.error = "no numberOfTests/testGroups";
    return r;
  }
  for (const Json& g : *groups) {
    const Json* tests = member(g, "tests");
    if (!tests || !tests->is_array()) {
      r.error = "a test group without tests[]";
      return r;
    }
    for (const Json& t : *tests) {
      auto tc_id = int_member(t, "tcId");
      const std::string* result = str_member(t, "result");
      if (!tc_id || !result || (*result != "valid" && *result != "invalid" && *result != "acceptable")) {
        r.error = "a test without tcId/result";
        return r;
      }
      const std::string* comment = str_member(t, "comment");
      count(r, *tc_id, *result, comment ? *comment : std::string(), fn(g, t));
    }
  }
  // Every case in the file was seen: a truncated or reshaped file cannot pass by having fewer cases.
  if (r.total != *declared) {
    r.error = "numberOfTests is " + std::to_string(*declared) + " but " + std::to_string(r.total) + " tests were read";
    return r;
  }
  r.loaded = true;
  return r;
}

// A JWS-shaped input for signature_valid (payload rules are not part of these checks).
Jwt signature_parts(std::string alg, std::string signing_input, std::string signature) {
  Jwt p;
  p.alg = std::move(alg);
  p.signing_input = std::move(signing_input);
  p.signature = std::move(signature);
  return p;
}

// The group's JWK loaded through the production JWKS loader (second path to the same verify).
std::optional<KeySet> load_jwk(const Json& group, const char* name) {
  const Json* jwk = member(group, name);
  if (!jwk || !jwk->is_object()) return std::nullopt;
  Json doc = Json::object();
  doc["keys"] = Json::array({*jwk});
  std::optional<JwksDocument> read = read_jwks(dump(doc));
  if (!read) return std::nullopt;
  return std::move(read->keys);
}

}  // namespace

// --- RSASSA-PKCS1-v1_5 / SHA-256 (RS256) -----------------------------------------------------

VectorReport check_wycheproof_rsa(std::string_view text) {
  return walk_wycheproof("wycheproof/rsa_signature_2048_sha256_test.json", text, [](const Json& g, const Json& t) {
    const Json* pk = member(g, "publicKey");
    auto n = pk ? hex_member(*pk, "modulus") : std::nullopt;
    auto e = pk ? hex_member(*pk, "publicExponent") : std::nullopt;
    auto msg = hex_member(t, "msg");
    auto sig = hex_member(t, "sig");
    if (!n || !e || !msg || !sig) return Outcome{Outcome::unreadable, "modulus/publicExponent/msg/sig not hex"};
    auto key_size = int_member(g, "keySize");
    if (!key_size || modulus_bits(*n) != *key_size)
      return Outcome{Outcome::unreadable, "modulus does not have keySize bits"};
    // The hex modulus carries a sign byte; the signature must be exactly as long as the modulus.
    std::size_t modulus_len = static_cast<std::size_t>((modulus_bits(*n) + 7) / 8);
    bool ok = sig->size() == modulus_len && rsa_pkcs1_sha256_verify(*n, *e, *msg, *sig);
    // Same case through the JWKS loader and signature_valid (the RS256 path a token takes).
    if (auto ks = load_jwk(g, "keyJwk")) {
      Jwt p = signature_parts("RS256", *msg, *sig);
      bool via_jwt = signature_valid(p, Config{}, candidate_keys(*ks, p));
      if (via_jwt != ok)
        return Outcome{Outcome::unreadable, std::string("rsa_pkcs1_sha256_verify says ") + (ok ? "valid" : "invalid") +
                                                " but signature_valid with keyJwk disagrees"};
    }
    return Outcome{ok ? Outcome::accepted : Outcome::rejected, {}};
  });
}

// --- ECDSA P-256 / SHA-256, signature as r||s (ES256) ----------------------------------------

namespace {

// Wycheproof writes coordinates as signed big-endian integers: a leading 00 when the top bit is
// set, and shorter when the value is small. Normalise to exactly 32 bytes; nullopt if it does not fit.
std::optional<std::string> coordinate32(std::string bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && bytes[i] == 0) ++i;
  bytes.erase(0, i);
  if (bytes.size() > 32) return std::nullopt;
  return std::string(32 - bytes.size(), '\0') + bytes;
}

}  // namespace

VectorReport check_wycheproof_ecdsa(std::string_view text) {
  return walk_wycheproof("wycheproof/ecdsa_secp256r1_sha256_p1363_test.json", text, [](const Json& g, const Json& t) {
    const Json* pk = member(g, "publicKey");
    auto wx = pk ? hex_member(*pk, "wx") : std::nullopt;
    auto wy = pk ? hex_member(*pk, "wy") : std::nullopt;
    auto msg = hex_member(t, "msg");
    auto sig = hex_member(t, "sig");
    if (!wx || !wy || !msg || !sig) return Outcome{Outcome::unreadable, "wx/wy/msg/sig not hex"};
    auto x = coordinate32(*wx), y = coordinate32(*wy);
    if (!x || !y) return Outcome{Outcome::rejected, "public key coordinates do not fit 32 bytes"};
    std::string point = std::string(1, '\x04') + *x + *y;
    // As the JWKS loader does: a point not on the curve is never used.
    bool ok = p256_point_valid(point) && ecdsa_p256_sha256_verify(point, *msg, *sig);
    if (auto ks = load_jwk(g, "publicKeyJwk")) {
      Jwt p = signature_parts("ES256", *msg, *sig);
      bool via_jwt = signature_valid(p, Config{}, candidate_keys(*ks, p));
      if (via_jwt != ok)
        return Outcome{Outcome::unreadable, std::string("ecdsa_p256_sha256_verify says ") + (ok ? "valid" : "invalid") +
                                                " but signature_valid with publicKeyJwk disagrees"};
    }
    return Outcome{ok ? Outcome::accepted : Outcome::rejected, {}};
  });
}

// --- HMAC-SHA256 (HS256) ---------------------------------------------------------------------

VectorReport check_wycheproof_hmac(std::string_view text) {
  VectorReport r = walk_wycheproof("wycheproof/hmac_sha256_test.json", text, [](const Json& g, const Json& t) {
    // HS256 carries the full 32-byte tag; groups with a truncated tag do not apply to us.
    auto tag_size = int_member(g, "tagSize");
    if (!tag_size) return Outcome{Outcome::unreadable, "group without tagSize"};
    if (*tag_size != 256) return Outcome{Outcome::skipped, {}};
    auto key = hex_member(t, "key");
    auto msg = hex_member(t, "msg");
    auto tag = hex_member(t, "tag");
    if (!key || !msg || !tag) return Outcome{Outcome::unreadable, "key/msg/tag not hex"};
    bool ok = constant_time_equal(bytes_view(hmac_sha256(*key, *msg)), *tag);
    // The HS256 path of signature_valid must say the same (it refuses an empty secret by design).
    if (!key->empty()) {
      Config cfg;
      cfg.jwt_hs256_secret = *key;
      bool via_jwt = signature_valid(signature_parts("HS256", *msg, *tag), cfg, {});
      if (via_jwt != ok) return Outcome{Outcome::unreadable, "hmac_sha256 and signature_valid(HS256) disagree"};
    }
    return Outcome{ok ? Outcome::accepted : Outcome::rejected, {}};
  });
  if (r.skipped > 0) r.notes.push_back(std::to_string(r.skipped) + " cases skipped: truncated tags (tagSize != 256)");
  return r;
}

// --- JSON Web Keys: the JWKS loader ----------------------------------------------------------
//
// How json_web_key_test.json maps onto our loader (docs/api.md: a JWKS holds RSA keys of 2048-4096
// bits and EC P-256 keys, used for RS256/ES256; every other key, `oct` included, is ignored; the
// HS256 secret comes from JWT_HS256_SECRET, never from a JWKS):
//   * each group's key set ("public" when given, else "private", whose private members the loader
//     never reads) goes through parse_jwks; each test's JWS is then verified the way a token is:
//     candidate_keys (kid + kty/alg match) and signature_valid, with no HS256 secret configured.
//     The payloads ("foo", "") are not JSON, so the JWT shape check is not used here.
//   * a case expected invalid must not verify. That covers keys the loader must ignore (use
//     "enc", alg RSA1_5/ES521/ES224, crv P-384, kty RSA with EC members, a point off the curve,
//     a 1024-bit modulus, AES keys) and symmetric keys (ignored, so their tokens never verify).
//   * a case expected valid must verify when its alg is RS256 or ES256. Valid HS256/HS384/HS512
//     cases are skipped (logged): oct keys are out of the loader's scope by design.
//   * known gap, not asserted: tcId 7 is an RSA key with the ROCA fingerprint (CVE-2017-15361).
//     docs/api.md does not ask for ROCA detection and BearSSL has none; the outcome is logged as a
//     note and the report says which way it went.
VectorReport check_wycheproof_jwk(std::string_view text) {
  return walk_wycheproof("wycheproof/json_web_key_test.json", text, [](const Json& g, const Json& t) {
    const Json* set = member(g, "public");
    if (!set || !set->is_object()) set = member(g, "private");
    const std::string* jws = str_member(t, "jws");
    if (!set || !jws) return Outcome{Outcome::unreadable, "group without a key set, or test without jws"};
    std::optional<JwksDocument> read = read_jwks(dump(*set));
    bool is_jwks = read.has_value();
    KeySet keys = is_jwks ? std::move(read->keys) : KeySet{};

    std::string_view token = *jws;
    std::size_t d1 = token.find('.'), d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
    if (d2 == std::string_view::npos) return Outcome{Outcome::unreadable, "jws is not three segments"};
    auto header_bytes = base64url_decode(token.substr(0, d1));
    std::optional<Json> header = header_bytes ? parse_json(*header_bytes) : std::nullopt;
    const std::string* alg = header ? str_member(*header, "alg") : nullptr;
    if (!alg) return Outcome{Outcome::unreadable, "jws header has no alg"};
    const std::string* kid = str_member(*header, "kid");
    auto signature = base64url_decode(token.substr(d2 + 1));
    if (!signature) return Outcome{Outcome::rejected, "signature is not base64url"};

    Jwt parts = signature_parts(*alg, std::string(token.substr(0, d2)), *signature);
    if (kid) parts.kid = *kid;
    bool ok = is_jwks && signature_valid(parts, Config{}, candidate_keys(keys, parts));
    std::string loaded =
        std::to_string(keys.keys.size()) + " key(s) loaded, " + std::to_string(keys.ignored.size()) + " ignored" +
        (keys.ignored.empty() ? "" : " [" + keys.ignored.front() + (keys.ignored.size() > 1 ? ", ..." : "") + "]");

    const std::string* result = str_member(t, "result");
    const std::string* comment = str_member(t, "comment");
    if (comment && *comment == "rejectsKeyWithRocaVulnerability")
      return Outcome{Outcome::skipped,
                     std::string("ROCA key, not asserted (the contract asks for no ROCA check): token ") +
                         (ok ? "VERIFIES" : "is refused") + "; " + loaded};
    if (result && *result == "valid" && *alg != "RS256" && *alg != "ES256")
      return Outcome{
          Outcome::skipped,
          "alg " + alg->substr(0, 16) + ": oct keys are not read from a JWKS (HS256 uses JWT_HS256_SECRET); " + loaded};
    return Outcome{ok ? Outcome::accepted : Outcome::rejected, loaded};
  });
}

// --- RFC 7515 Appendix A ---------------------------------------------------------------------

namespace {

// A JWK without its private members, as a JWKS would publish it.
Json public_jwk(const Json& jwk) {
  Json out = Json::object();
  for (const char* name : {"kty", "crv", "x", "y", "n", "e", "kid", "alg", "use"})
    if (const Json* m = member(jwk, name)) out[name] = *m;
  return out;
}

std::string error_name(const std::optional<Error>& e) { return e ? std::string(info(*e).name) : std::string("none"); }

// Step 2 as the edge runs it: the bearer token classified and its form checked.
Result<Credential> step2(const std::string& token, const Config& cfg) {
  Headers headers{{"Authorization", "Bearer " + token}};
  MB_ASSIGN_OR_RETURN(std::string_view t, read_bearer(headers));
  MB_ASSIGN_OR_RETURN(Credential c, classify(t));
  MB_TRY(check_form(c, cfg));
  return c;
}

// The token with one signature byte flipped (re-encoded, so it stays well-formed).
std::string tampered(const std::string& compact) {
  std::size_t d2 = compact.rfind('.');
  auto sig = base64url_decode(std::string_view(compact).substr(d2 + 1));
  if (!sig || sig->empty()) return compact + "x";
  (*sig)[sig->size() / 2] = static_cast<char>((*sig)[sig->size() / 2] ^ 0x01);
  return compact.substr(0, d2 + 1) + base64url_encode(*sig);
}

}  // namespace

VectorReport check_rfc7515(std::string_view text) {
  Json parsed;
  VectorReport r = load("rfc7515/rfc7515_appendix_a.json", text, parsed);
  if (!r.error.empty()) return r;
  const Json* tests = member(parsed, "tests");
  if (!tests || !tests->is_array()) {
    r.error = "no tests[]";
    return r;
  }

  // One configuration with every key the appendix offers: the HS256 secret (A.1), the RSA and
  // P-256 keys (A.2, A.3) and the P-521 key of A.4, which the loader must ignore.
  Vars vars{{"ROUTING", "edge"}, {"JWT_ISSUER", "joe"}, {"JWT_AUDIENCE", "rfc7515"}};
  Json jwks = Json::object();
  jwks["keys"] = Json::array();
  for (const Json& t : *tests) {
    const Json* jwk = member(t, "jwk");
    const std::string* kty = jwk ? str_member(*jwk, "kty") : nullptr;
    if (!kty) continue;
    if (*kty == "oct") {
      const std::string* k = str_member(*jwk, "k");
      auto secret = k ? base64url_decode(*k) : std::nullopt;
      if (secret) vars["JWT_HS256_SECRET"] = *secret;
    } else {
      jwks["keys"].push_back(public_jwk(*jwk));
    }
  }
  vars["JWT_JWKS"] = dump(jwks);
  Config cfg = parse_config(vars);
  if (!cfg.error.empty()) {
    r.error = "parse_config: " + cfg.error;
    return r;
  }
  for (const std::string& n : cfg.notices) r.notes.push_back(n);

  for (const Json& t : *tests) {
    const std::string* section = str_member(t, "section");
    const std::string* alg = str_member(t, "alg");
    const std::string* compact = str_member(t, "compact");
    const std::string* expected = str_member(t, "expected");
    const std::string* signing_input = str_member(t, "signing_input");
    const std::string* payload_text = str_member(t, "payload");
    std::int64_t id = r.total + 1;
    std::string label = section ? *section : "?";
    if (!section || !alg || !compact || !expected || !signing_input) {
      count(r, id, "", label, Outcome{Outcome::unreadable, "missing section/alg/compact/expected/signing_input"});
      continue;
    }
    auto verify = [&](const std::string& token, std::optional<Error>& refused) {
      Result<Credential> c = step2(token, cfg);
      if (!c.ok()) refused = c.problem().error;
      if (!c.ok() || c.value().kind != CredentialKind::jwt) return false;
      const Jwt& jwt = c.value().jwt;
      return signature_valid(jwt, cfg, candidate_keys(cfg.jwt_jwks, jwt));
    };
    std::optional<Error> refused;
    bool ok = verify(*compact, refused);

    if (*alg == "HS256" || *alg == "RS256" || *alg == "ES256") {
      // A.1-A.3: must verify; the same token with one signature bit changed must not; the
      // signing input must be what the RFC signs; exp (2011) passes before it and fails after.
      std::string why;
      Result<Credential> parts = classify(*compact);
      if (!parts.ok() || !parts.value().jwt.well_formed || parts.value().jwt.signing_input != *signing_input)
        why = "signing input differs from the RFC's";
      std::optional<Error> refused_tampered;
      if (verify(tampered(*compact), refused_tampered)) why = "a tampered signature verifies";
      std::optional<Json> payload = payload_text ? parse_json(*payload_text) : std::nullopt;
      auto exp = payload ? int_member(*payload, "exp") : std::nullopt;
      if (!exp)
        why = "payload has no exp";
      else {
        JwtClaims claims;
        claims.exp = *exp;
        if (!check_times(claims, *exp - 3600, cfg.jwt_leeway_seconds).ok()) why = "exp refused before it";
        Status after = check_times(claims, *exp + 3600, cfg.jwt_leeway_seconds);
        if (after.ok() || after.problem().error != Error::jwt_expired) why = "exp not enforced after it";
      }
      if (!ok && why.empty()) why = "step 2: " + error_name(refused) + ", or the signature does not verify";
      count(r, id, "valid", label + " " + *alg,
            Outcome{ok && why.empty() ? Outcome::accepted : Outcome::rejected, why});
    } else if (*alg == "none") {
      // A.5: refused at step 2 as an unsupported alg, whatever keys are configured.
      bool as_expected = refused == Error::jwt_unsupported_alg;
      count(r, id, "invalid", label + " alg none",
            Outcome{as_expected ? Outcome::rejected : Outcome::accepted,
                    as_expected ? "" : "expected jwt_unsupported_alg, got " + error_name(refused)});
    } else {
      // A.4 (ES512): a valid JWS, but not an algorithm docs/api.md accepts, and its payload
      // ("Payload") is no JSON object, so as a JWT it is malformed. Skipped as a vector; asserted
      // refused at step 2 with the alg not accepted (an accepted token would be a disagreement).
      if (ok || !refused || cfg.accepts_alg(*alg))
        count(r, id, "invalid", label + " " + alg->substr(0, 16),
              Outcome{Outcome::accepted, "expected a step-2 refusal, got " + error_name(refused)});
      else
        count(r, id, *expected, label + " " + alg->substr(0, 16),
              Outcome{Outcome::skipped, "alg " + alg->substr(0, 16) + " is not accepted (docs/api.md); refused with " +
                                            error_name(refused)});
    }
  }
  r.loaded = true;
  return r;
}

// --- registry and summary --------------------------------------------------------------------

const std::vector<VectorFile>& vector_files() {
  static const std::vector<VectorFile> files{
      {"rsa", "wycheproof/rsa_signature_2048_sha256_test.json", check_wycheproof_rsa},
      {"ecdsa", "wycheproof/ecdsa_secp256r1_sha256_p1363_test.json", check_wycheproof_ecdsa},
      {"hmac", "wycheproof/hmac_sha256_test.json", check_wycheproof_hmac},
      {"jwk", "wycheproof/json_web_key_test.json", check_wycheproof_jwk},
      {"rfc7515", "rfc7515/rfc7515_appendix_a.json", check_rfc7515},
  };
  return files;
}

Json report_to_json(const VectorReport& r) {
  Json j = Json::object();
  j["name"] = r.name;
  j["ok"] = r.ok();
  j["loaded"] = r.loaded;
  if (!r.error.empty()) j["error"] = r.error;
  j["total"] = r.total;
  j["checked"] = r.checked;
  j["valid"] = r.valid;
  j["invalid"] = r.invalid;
  j["acceptable"] = r.acceptable;
  j["valid_agree"] = r.valid_agree;
  j["invalid_agree"] = r.invalid_agree;
  j["acceptable_accepted"] = r.acceptable_accepted;
  j["acceptable_rejected"] = r.acceptable_rejected;
  j["skipped"] = r.skipped;
  j["disagreements"] = Json::array();
  for (const std::string& d : r.disagreements) j["disagreements"].push_back(d);
  j["notes"] = Json::array();
  for (const std::string& n : r.notes) j["notes"].push_back(n);
  // Every checked case's verdict (BearSSL's), for comparison with another implementation.
  j["verdicts"] = Json::object();
  for (const auto& [id, accepted] : r.verdicts) j["verdicts"][std::to_string(id)] = accepted;
  return j;
}

}  // namespace mb::vectors
