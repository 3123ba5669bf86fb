#include "jwks.h"

#include "crypto.h"
#include "json_writer.h"
#include "jwk_reader.h"

namespace mb {

namespace {

std::string minimal_jwk(const PublicKey& k) {
  json::Writer w;
  w.begin_object();
  if (k.type == JwkType::rsa) {
    w.key("kty").string("RSA");
    w.key("n").string(base64url_encode(k.n));
    w.key("e").string(base64url_encode(k.e));
  } else {
    w.key("kty").string("EC");
    w.key("crv").string("P-256");
    w.key("x").string(base64url_encode(std::string_view(k.point).substr(1, 32)));
    w.key("y").string(base64url_encode(std::string_view(k.point).substr(33, 32)));
  }
  w.end_object();
  return w.take();
}

// The key, or why it is left out.
std::string add_key(const JwkMembers& k, KeySet& out) {
  if (!k.is_object) return "JWKS entry is not an object";
  std::string who = k.kid ? "kid \"" + k.kid->substr(0, 64) + "\"" : std::string("key without kid");
  if (k.has_kid && !k.kid_is_string) return who + ": kid is not a string";
  if (k.use && *k.use != "sig") return who + ": use is not sig";
  if (!k.kty) return who + ": no kty";
  PublicKey key;
  if (k.kid) key.kid = *k.kid;
  if (*k.kty == "RSA") {
    if (k.alg && *k.alg != "RS256") return who + ": alg " + k.alg->substr(0, 16) + " is not accepted";
    auto nb = k.n ? base64url_decode(*k.n) : std::nullopt;
    auto eb = k.e ? base64url_decode(*k.e) : std::nullopt;
    if (!nb || !eb || eb->empty() || eb->size() > 8) return who + ": RSA n/e unreadable";
    // e must be odd and at least 3 (RFC 8017 §3.1): with e = 1 every PKCS#1 block is its own signature.
    std::string_view ev = *eb;
    while (!ev.empty() && ev.front() == 0) ev.remove_prefix(1);
    if (ev.empty() || !(static_cast<unsigned char>(ev.back()) & 1) ||
        (ev.size() == 1 && static_cast<unsigned char>(ev[0]) < 3))
      return who + ": RSA public exponent is not an odd number of at least 3";
    int bits = modulus_bits(*nb);
    if (bits < 2048 || bits > 4096) return who + ": RSA key of " + std::to_string(bits) + " bits (2048-4096 accepted)";
    key.type = JwkType::rsa;
    // Leading zero bytes dropped: one spelling per key (BearSSL and WebCrypto read both alike).
    std::string_view nv = *nb;
    while (nv.size() > 1 && nv.front() == 0) nv.remove_prefix(1);
    key.n = std::string(nv);
    key.e = std::string(ev);
  } else if (*k.kty == "EC") {
    if (!k.crv || *k.crv != "P-256") return who + ": EC curve is not P-256";
    if (k.alg && *k.alg != "ES256") return who + ": alg " + k.alg->substr(0, 16) + " is not accepted";
    auto xb = k.x ? base64url_decode(*k.x) : std::nullopt;
    auto yb = k.y ? base64url_decode(*k.y) : std::nullopt;
    if (!xb || !yb || xb->size() != 32 || yb->size() != 32) return who + ": EC x/y unreadable";
    key.type = JwkType::ec_p256;
    key.point = std::string(1, '\x04') + *xb + *yb;
    if (!p256_point_valid(key.point)) return who + ": EC point is not on P-256";
  } else {
    return who + ": kty " + k.kty->substr(0, 16) + " is not accepted (RSA and EC P-256 only)";
  }
  if (out.keys.size() >= kMaxJwksKeys) return who + ": more than 32 keys";
  key.jwk = minimal_jwk(key);
  out.keys.push_back(std::move(key));
  return {};
}

}  // namespace

std::optional<JwksDocument> read_jwks(std::string_view text) {
  if (text.size() > kMaxJwksBytes) return std::nullopt;
  auto r = read_jwk_text(text, JwkShape::set);
  if (!r || !r->root_is_object || !r->has_keys) return std::nullopt;
  JwksDocument doc;
  doc.fetched_at = r->fetched_at;
  for (const JwkMembers& k : r->keys)
    if (std::string why = add_key(k, doc.keys); !why.empty()) doc.keys.ignored.push_back(std::move(why));
  return doc;
}

std::string write_jwks_copy(const KeySet& set, std::int64_t fetched_at) {
  std::string out = "{\"fetched_at\":" + std::to_string(fetched_at) + ",\"keys\":[";
  for (std::size_t i = 0; i < set.keys.size(); ++i) {
    if (i) out += ',';
    const PublicKey& k = set.keys[i];
    if (k.kid.empty()) {
      out += k.jwk;
    } else {  // the kid goes first: {"kid":...,<the minimal JWK's members>}
      out += "{\"kid\":";
      json::append_string(out, k.kid);
      out += ',';
      out.append(k.jwk, 1, std::string::npos);
    }
  }
  out += "]}";
  return out;
}

}  // namespace mb
