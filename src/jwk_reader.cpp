#include "jwk_reader.h"

namespace mb {

namespace {

bool is_private_member(std::string_view name) {
  for (std::string_view m : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
    if (name == m) return true;
  return false;
}

void take_member(JwkMembers& k, const std::string& name, json::Value& v) {
  if (is_private_member(name)) k.has_private = true;
  if (name == "kid") {
    k.has_kid = true;
    k.kid_is_string = v.type == json::Type::string;
  }
  if (v.type != json::Type::string) return;
  std::optional<std::string>* slot = name == "kty"   ? &k.kty
                                     : name == "alg" ? &k.alg
                                     : name == "use" ? &k.use
                                     : name == "kid" ? &k.kid
                                     : name == "n"   ? &k.n
                                     : name == "e"   ? &k.e
                                     : name == "crv" ? &k.crv
                                     : name == "x"   ? &k.x
                                     : name == "y"   ? &k.y
                                     : name == "d"   ? &k.d
                                                     : nullptr;
  if (slot) *slot = std::move(*v.text);
}

class JwkVisitor final : public json::Visitor {
 public:
  JwkVisitor(JwkShape shape, JwkText& out) : set_(shape == JwkShape::set), out_(out) {}

  void value(const json::Path& p, json::Value& v) override {
    if (p.empty()) {
      out_.root_is_object = v.type == json::Type::object;
      if (!set_ && out_.root_is_object) out_.keys.emplace_back().is_object = true;
      return;
    }
    if (!set_) {
      if (p.size() == 1 && !p[0].in_array && !out_.keys.empty()) take_member(out_.keys.back(), p[0].key, v);
      return;
    }
    if (p[0].in_array) return;
    if (p.size() == 1 && p[0].key == "fetched_at" && v.type == json::Type::number && v.is_integer)
      out_.fetched_at = v.integer;
    if (p[0].key != "keys") return;
    if (p.size() == 1) {
      out_.has_keys = v.type == json::Type::array;
    } else if (p.size() == 2 && out_.has_keys) {
      out_.keys.emplace_back().is_object = v.type == json::Type::object;
    } else if (p.size() == 3 && out_.has_keys && !p[2].in_array) {
      take_member(out_.keys.back(), p[2].key, v);
    }
  }

 private:
  bool set_;
  JwkText& out_;
};

}  // namespace

std::optional<JwkText> read_jwk_text(std::string_view text, JwkShape shape, int max_depth) {
  JwkText out;
  JwkVisitor visitor(shape, out);
  if (json::read(text, visitor, max_depth) != json::Fault::none) return std::nullopt;
  return out;
}

}  // namespace mb
