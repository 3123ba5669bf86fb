#include "json_dom.h"

#include <vector>

#include "json_reader.h"

namespace mb {

namespace {

class TreeBuilder final : public json::Visitor {
 public:
  Json root;
  void value(const json::Path& p, json::Value& v) override {
    Json node;
    switch (v.type) {
      case json::Type::null:
        break;
      case json::Type::boolean:
        node = v.boolean;
        break;
      case json::Type::number:
        if (v.is_integer && v.integer >= 0)  // as nlohmann's own parser: non-negative is unsigned
          node = static_cast<std::uint64_t>(v.integer);
        else if (v.is_integer)
          node = v.integer;
        else
          node = v.number;
        break;
      case json::Type::string:
        node = std::move(*v.text);
        break;
      case json::Type::object:
        node = Json::object();
        break;
      case json::Type::array:
        node = Json::array();
        break;
    }
    Json* placed;
    if (open_.empty()) {
      root = std::move(node);
      placed = &root;
    } else if (open_.back()->is_array()) {
      open_.back()->push_back(std::move(node));
      placed = &open_.back()->back();
    } else {
      placed = &((*open_.back())[p.back().key] = std::move(node));
    }
    if (v.type == json::Type::object || v.type == json::Type::array) open_.push_back(placed);
  }
  void close(const json::Path&, json::Type) override { open_.pop_back(); }

 private:
  std::vector<Json*> open_;
};

}  // namespace

std::optional<Json> parse_json(std::string_view text, int max_depth) {
  TreeBuilder b;
  if (json::read(text, b, max_depth) != json::Fault::none) return std::nullopt;
  return std::move(b.root);
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace mb
