#include "strict_json.h"

#include <vector>

namespace mb {

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    unsigned min;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      min = 0x80;
      c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      min = 0x800;
      c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      min = 0x10000;
      c &= 0x07;
    } else
      return false;
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    p += extra + 1;
  }
  return true;
}

namespace {

// Builds an ordered_json while parsing; returning false from a callback stops the parser.
class StrictBuilder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  explicit StrictBuilder(int max_depth) : max_depth_(max_depth) {}

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool v) { return put(Json(v)); }
  bool number_integer(number_integer_t v) { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t&) { return put(Json(v)); }
  bool string(string_t& v) { return put(Json(std::move(v))); }
  bool binary(binary_t&) { return fail(JsonFault::syntax); }

  bool start_object(std::size_t) { return open(Json::object()); }
  bool key(string_t& k) {
    Json& obj = *stack_.back();
    if (obj.contains(k)) return fail(JsonFault::duplicate_key);
    pending_key_ = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_array() {
    stack_.pop_back();
    return true;
  }

  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception&) {
    if (fault_ == JsonFault::none) fault_ = JsonFault::syntax;
    return false;
  }

  JsonFault fault() const { return fault_; }
  Json& root() { return root_; }

 private:
  bool fail(JsonFault f) {
    fault_ = f;
    return false;
  }

  // Places v where the parser is: the root, the open array, or the open object's pending key.
  Json* place(Json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    auto [it, inserted] = parent.emplace(std::move(pending_key_), std::move(v));
    return &it.value();
  }
  bool put(Json v) {
    place(std::move(v));
    return true;
  }
  bool open(Json container) {
    if (static_cast<int>(stack_.size()) >= max_depth_) return fail(JsonFault::too_deep);
    stack_.push_back(place(std::move(container)));
    return true;
  }

  int max_depth_;
  JsonFault fault_ = JsonFault::none;
  Json root_;
  std::vector<Json*> stack_;
  std::string pending_key_;
};

}  // namespace

ParsedJson parse_strict(std::string_view text, int max_depth) {
  ParsedJson out;
  if (!is_valid_utf8(text)) {
    out.fault = JsonFault::invalid_utf8;
    return out;
  }
  StrictBuilder builder(max_depth);
  // strict=true: trailing garbage after the value is an error.
  bool ok = Json::sax_parse(text.begin(), text.end(), &builder, nlohmann::json::input_format_t::json, true);
  if (!ok || builder.fault() != JsonFault::none) {
    out.fault = builder.fault() == JsonFault::none ? JsonFault::syntax : builder.fault();
    return out;
  }
  out.value = std::move(builder.root());
  return out;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace mb
