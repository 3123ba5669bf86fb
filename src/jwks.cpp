#include "jwks.h"

#include "crypto.h"

namespace mb {

static const std::string* string_member(const Json& obj, const char* name) {
  auto it = obj.find(name);
  return (it != obj.end() && it->is_string()) ? it->get_ptr<const std::string*>() : nullptr;
}

static std::string describe(const Json& k) {
  const std::string* kid = string_member(k, "kid");
  return kid ? "kid \"" + kid->substr(0, 64) + "\"" : std::string("key without kid");
}

static void add_key(const Json& k, KeySet& out) {
  if (!k.is_object()) {
    out.ignored.push_back("JWKS entry is not an object");
    return;
  }
  const std::string* kty = string_member(k, "kty");
  const std::string* alg = string_member(k, "alg");
  const std::string* use = string_member(k, "use");
  const std::string* kid = string_member(k, "kid");
  std::string who = describe(k);
  if (k.contains("kid") && !kid) {
    out.ignored.push_back(who + ": kid is not a string");
    return;
  }
  if (use && *use != "sig") {
    out.ignored.push_back(who + ": use is not sig");
    return;
  }
  if (!kty) {
    out.ignored.push_back(who + ": no kty");
    return;
  }
  PublicKey key;
  if (kid) key.kid = *kid;
  if (*kty == "RSA") {
    if (alg && *alg != "RS256") {
      out.ignored.push_back(who + ": alg " + alg->substr(0, 16) + " is not accepted");
      return;
    }
    const std::string* n = string_member(k, "n");
    const std::string* e = string_member(k, "e");
    auto nb = n ? base64url_decode(*n) : std::nullopt;
    auto eb = e ? base64url_decode(*e) : std::nullopt;
    if (!nb || !eb || eb->empty() || eb->size() > 8) {
      out.ignored.push_back(who + ": RSA n/e unreadable");
      return;
    }
    // e must be odd and at least 3 (RFC 8017 §3.1): with e = 1 every PKCS#1 block is its own signature.
    std::string_view ev = *eb;
    while (!ev.empty() && ev.front() == 0) ev.remove_prefix(1);
    if (ev.empty() || !(static_cast<unsigned char>(ev.back()) & 1) ||
        (ev.size() == 1 && static_cast<unsigned char>(ev[0]) < 3)) {
      out.ignored.push_back(who + ": RSA public exponent is not an odd number of at least 3");
      return;
    }
    int bits = modulus_bits(*nb);
    if (bits < 2048 || bits > 4096) {
      out.ignored.push_back(who + ": RSA key of " + std::to_string(bits) + " bits (2048-4096 accepted)");
      return;
    }
    key.type = KeyType::rsa;
    key.n = std::move(*nb);
    key.e = std::move(*eb);
  } else if (*kty == "EC") {
    const std::string* crv = string_member(k, "crv");
    if (!crv || *crv != "P-256") {
      out.ignored.push_back(who + ": EC curve is not P-256");
      return;
    }
    if (alg && *alg != "ES256") {
      out.ignored.push_back(who + ": alg " + alg->substr(0, 16) + " is not accepted");
      return;
    }
    const std::string* x = string_member(k, "x");
    const std::string* y = string_member(k, "y");
    auto xb = x ? base64url_decode(*x) : std::nullopt;
    auto yb = y ? base64url_decode(*y) : std::nullopt;
    if (!xb || !yb || xb->size() != 32 || yb->size() != 32) {
      out.ignored.push_back(who + ": EC x/y unreadable");
      return;
    }
    key.type = KeyType::ec_p256;
    key.point = std::string(1, '\x04') + *xb + *yb;
    if (!p256_point_valid(key.point)) {
      out.ignored.push_back(who + ": EC point is not on P-256");
      return;
    }
  } else {
    out.ignored.push_back(who + ": kty " + kty->substr(0, 16) + " is not accepted (RSA and EC P-256 only)");
    return;
  }
  if (out.keys.size() >= kMaxJwksKeys) {
    out.ignored.push_back(who + ": more than 32 keys");
    return;
  }
  out.keys.push_back(std::move(key));
}

bool parse_jwks(const Json& doc, KeySet& out) {
  if (!doc.is_object()) return false;
  auto it = doc.find("keys");
  if (it == doc.end() || !it->is_array()) return false;
  for (const Json& k : *it) add_key(k, out);
  return true;
}

bool parse_jwks_text(std::string_view text, KeySet& out) {
  if (text.size() > kMaxJwksBytes) return false;
  ParsedJson parsed = parse_strict(text);
  if (parsed.fault != JsonFault::none) return false;
  return parse_jwks(parsed.value, out);
}

Json jwks_to_json(const KeySet& set) {
  Json keys = Json::array();
  for (const PublicKey& k : set.keys) {
    Json j = Json::object();
    if (!k.kid.empty()) j["kid"] = k.kid;
    if (k.type == KeyType::rsa) {
      j["kty"] = "RSA";
      j["n"] = base64url_encode(k.n);
      j["e"] = base64url_encode(k.e);
    } else {
      j["kty"] = "EC";
      j["crv"] = "P-256";
      j["x"] = base64url_encode(std::string_view(k.point).substr(1, 32));
      j["y"] = base64url_encode(std::string_view(k.point).substr(33, 32));
    }
    keys.push_back(std::move(j));
  }
  Json doc = Json::object();
  doc["keys"] = std::move(keys);
  return doc;
}

}  // namespace mb
