#include "json_reader.h"

#include <nlohmann/json.hpp>
#include <unordered_set>

// nlohmann formats the offending token of a parse error with snprintf, for an error message this
// reader never reads (it maps every error to its own Fault). That one call pulls printf into the
// worker module (~8 KB of code). For the one input type this file parses (const char* ranges), the
// lexer's token printer is specialised to print nothing.
NLOHMANN_JSON_NAMESPACE_BEGIN
namespace detail {
template <>
inline std::string lexer<nlohmann::json, iterator_input_adapter<const char*>>::get_token_string() const {
  return {};
}
}  // namespace detail
NLOHMANN_JSON_NAMESPACE_END

namespace mb::json {

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
      extra = 1, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000, c &= 0x07;
    } else {
      return false;
    }
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

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

namespace {

// The keys seen in one open object: a short list scanned linearly, a hash set past 16 keys, so
// a body of n keys costs O(n) whatever its shape.
class KeySet {
 public:
  bool insert(const std::string& k) {
    if (set_.empty()) {
      for (const std::string& seen : small_)
        if (seen == k) return false;
      if (small_.size() < 16) {
        small_.push_back(k);
        return true;
      }
      set_.insert(small_.begin(), small_.end());
      small_.clear();
    }
    return set_.insert(k).second;
  }

 private:
  std::vector<std::string> small_;
  std::unordered_set<std::string> set_;
};

class Sax {
 public:
  using number_integer_t = nlohmann::json::number_integer_t;
  using number_unsigned_t = nlohmann::json::number_unsigned_t;
  using number_float_t = nlohmann::json::number_float_t;
  using string_t = nlohmann::json::string_t;
  using binary_t = nlohmann::json::binary_t;

  Sax(Visitor& v, int max_depth) : visitor_(v), max_depth_(max_depth) {}

  bool null() { return emit(Value{}); }
  bool boolean(bool b) {
    Value v;
    v.type = Type::boolean;
    v.boolean = b;
    return emit(v);
  }
  bool number_integer(number_integer_t i) {
    Value v;
    v.type = Type::number;
    v.is_integer = true;
    v.integer = i;
    v.number = static_cast<double>(i);
    return emit(v);
  }
  bool number_unsigned(number_unsigned_t u) {
    Value v;
    v.type = Type::number;
    v.is_integer = u <= static_cast<number_unsigned_t>(INT64_MAX);
    v.integer = v.is_integer ? static_cast<std::int64_t>(u) : 0;
    v.number = static_cast<double>(u);
    return emit(v);
  }
  bool number_float(number_float_t d, const string_t&) {
    Value v;
    v.type = Type::number;
    v.number = d;
    return emit(v);
  }
  bool string(string_t& s) {
    Value v;
    v.type = Type::string;
    v.text = &s;
    return emit(v);
  }
  bool binary(binary_t&) { return fail(Fault::syntax); }

  bool start_object(std::size_t) { return open(Type::object); }
  bool key(string_t& k) {
    Frame& f = frames_.back();
    if (!f.keys.insert(k)) return fail(Fault::duplicate_key);
    path_.back().key = std::move(k);
    return true;
  }
  bool end_object() { return end(Type::object); }
  bool start_array(std::size_t) { return open(Type::array); }
  bool end_array() { return end(Type::array); }

  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception&) {
    return fail(Fault::syntax);
  }

  Fault fault() const { return fault_; }

 private:
  struct Frame {
    bool is_array = false;
    std::size_t count = 0;
    KeySet keys;
  };

  void position() {
    if (!frames_.empty() && frames_.back().is_array) path_.back().index = frames_.back().count++;
  }
  bool emit(Value v) {
    position();
    visitor_.value(path_, v);
    return true;
  }
  bool open(Type t) {
    if (static_cast<int>(frames_.size()) >= max_depth_) return fail(Fault::too_deep);
    Value v;
    v.type = t;
    emit(v);
    frames_.emplace_back();
    frames_.back().is_array = t == Type::array;
    Segment s;
    s.in_array = t == Type::array;
    path_.push_back(std::move(s));
    return true;
  }
  bool end(Type t) {
    frames_.pop_back();
    path_.pop_back();
    visitor_.close(path_, t);
    return true;
  }
  bool fail(Fault f) {
    if (fault_ == Fault::none) fault_ = f;
    return false;
  }

  Visitor& visitor_;
  int max_depth_;
  Fault fault_ = Fault::none;
  std::vector<Frame> frames_;
  Path path_;
};

}  // namespace

Fault read(std::string_view text, Visitor& visitor, int max_depth) {
  if (!is_valid_utf8(text)) return Fault::invalid_utf8;
  Sax sax(visitor, max_depth);
  // strict = true: anything after the value is a syntax error.
  const char* begin = text.data();
  bool ok = nlohmann::json::sax_parse(begin, begin + text.size(), &sax, nlohmann::json::input_format_t::json, true);
  if (sax.fault() != Fault::none) return sax.fault();
  return ok ? Fault::none : Fault::syntax;
}

}  // namespace mb::json
