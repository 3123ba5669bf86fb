#include "signing_keys.h"

#include <optional>

#include "crypto.h"
#include "json_writer.h"
#include "jwk_reader.h"

namespace mb {

namespace {

// The public half of an EC P-256 JWK, or why not.
std::string read_public(const JwkMembers& k, EdgePublicKey& out) {
  if (!k.is_object) return "a key is not a JSON object";
  if (!k.kty || *k.kty != "EC" || !k.crv || *k.crv != "P-256") return "not an EC P-256 key (kty EC, crv P-256)";
  auto x = k.x ? base64url_decode(*k.x) : std::nullopt;
  auto y = k.y ? base64url_decode(*k.y) : std::nullopt;
  if (!x || !y || x->size() != 32 || y->size() != 32) return "x and y must be 32-byte base64url values";
  out.point = std::string(1, '\x04') + *x + *y;
  if (!p256_point_valid(out.point)) return "x and y are not a point on P-256";
  out.thumbprint = jwk_thumbprint(out.point);
  return {};
}

}  // namespace

std::string jwk_thumbprint(std::string_view point) {
  // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
  std::string canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + base64url_encode(point.substr(1, 32)) +
                          "\",\"y\":\"" + base64url_encode(point.substr(33, 32)) + "\"}";
  Sha256 h = sha256(canonical);
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::string read_signing_key(std::string_view text, EdgeSigningKey& out) {
  auto r = read_jwk_text(text, JwkShape::one, 4);
  if (!r || !r->root_is_object) return "is not a JSON Web Key (a JSON object)";
  const JwkMembers& k = r->keys.front();
  if (std::string why = read_public(k, out.pub); !why.empty()) return why;
  if (!k.d) return "is a public key: it needs the private member d";
  auto d = base64url_decode(*k.d);
  if (!d || d->size() != 32) return "d must be a 32-byte base64url value";
  if (p256_public_point(*d) != out.pub.point) return "d does not match x and y";
  out.d = std::move(*d);
  json::Writer w;
  w.begin_object().key("kty").string("EC").key("crv").string("P-256");
  w.key("x").string(*k.x).key("y").string(*k.y).key("d").string(*k.d).end_object();
  out.private_jwk = w.take();
  return {};
}

std::string read_public_keys(std::string_view text, std::vector<EdgePublicKey>& out) {
  auto r = read_jwk_text(text, JwkShape::set, 4);
  if (!r || !r->root_is_object || !r->has_keys) return "is not a JSON Web Key Set ({\"keys\":[...]})";
  for (const JwkMembers& k : r->keys) {
    if (k.has_private) return "holds a private key member: publish public keys only";
    EdgePublicKey key;
    if (std::string why = read_public(k, key); !why.empty()) return why;
    out.push_back(std::move(key));
  }
  return {};
}

std::string signatures_directory(const std::vector<EdgePublicKey>& keys) {
  if (keys.empty()) return {};
  json::Writer w;
  w.begin_object().key("keys").begin_array();
  for (const EdgePublicKey& k : keys) {
    w.begin_object().key("kty").string("EC").key("crv").string("P-256");
    w.key("x").string(base64url_encode(std::string_view(k.point).substr(1, 32)));
    w.key("y").string(base64url_encode(std::string_view(k.point).substr(33, 32)));
    w.key("kid").string(k.thumbprint).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

}  // namespace mb
