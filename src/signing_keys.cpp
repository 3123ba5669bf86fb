#include "signing_keys.h"

#include <optional>

#include "crypto.h"
#include "json_reader.h"
#include "json_writer.h"

namespace mb {

namespace {

// The string members of a JWK that matter here, and whether it holds any private member.
struct JwkFields {
  bool is_object = false, has_private = false;
  std::optional<std::string> kty, crv, x, y, d;
};

bool is_private_member(std::string_view name) {
  for (std::string_view m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
    if (name == m) return true;
  return false;
}

// One JWK at the root (set = false), or the keys of {"keys":[...]} (set = true).
class JwkReader final : public json::Visitor {
 public:
  explicit JwkReader(bool set) : set_(set) {}
  bool root_is_object = false, has_keys = false;
  std::vector<JwkFields> keys;

  void value(const json::Path& p, json::Value& v) override {
    if (p.empty()) {
      root_is_object = v.type == json::Type::object;
      if (!set_ && root_is_object) keys.emplace_back().is_object = true;
      return;
    }
    std::size_t depth = set_ ? 3 : 1;
    if (set_ && p.size() == 1 && !p[0].in_array && p[0].key == "keys") has_keys = v.type == json::Type::array;
    if (set_ && p.size() == 2 && has_keys && p[0].key == "keys" && p[1].in_array)
      keys.emplace_back().is_object = v.type == json::Type::object;
    if (p.size() != depth || p[depth - 1].in_array || keys.empty()) return;
    if (set_ && (p[0].key != "keys" || !p[1].in_array)) return;
    JwkFields& k = keys.back();
    const std::string& name = p[depth - 1].key;
    if (is_private_member(name)) k.has_private = true;
    if (v.type != json::Type::string) return;
    std::optional<std::string>* slot = name == "kty"   ? &k.kty
                                       : name == "crv" ? &k.crv
                                       : name == "x"   ? &k.x
                                       : name == "y"   ? &k.y
                                       : name == "d"   ? &k.d
                                                       : nullptr;
    if (slot) *slot = std::move(*v.text);
  }

 private:
  bool set_;
};

// The public half of an EC P-256 JWK, or why not.
std::string read_public(const JwkFields& k, EdgePublicKey& out) {
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
  JwkReader r(false);
  if (json::read(text, r, 4) != json::Fault::none || !r.root_is_object) return "is not a JSON Web Key (a JSON object)";
  const JwkFields& k = r.keys.front();
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
  JwkReader r(true);
  if (json::read(text, r, 4) != json::Fault::none || !r.root_is_object || !r.has_keys)
    return "is not a JSON Web Key Set ({\"keys\":[...]})";
  for (const JwkFields& k : r.keys) {
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
