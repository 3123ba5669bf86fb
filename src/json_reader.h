// Strict reading of untrusted JSON, straight into the caller's typed structs: nlohmann's SAX
// parser drives a Visitor with one event per value and that value's path from the root. No
// document tree is built, so a reader keeps only what it needs and skips the rest.
//
// Refused as they come, in time linear in the text: invalid UTF-8 (checked first, RFC 3629),
// any syntax error or text after the value, a duplicate key in any object, and more than
// max_depth nested containers.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mb::json {

enum class Fault : std::uint8_t { none, invalid_utf8, syntax, duplicate_key, too_deep };
inline constexpr int kMaxDepth = 32;

enum class Type : std::uint8_t { null, boolean, number, string, object, array };

// One value as the reader meets it.
struct Value {
  Type type = Type::null;
  bool boolean = false;
  bool is_integer = false;      // number: an integer that fits in `integer`
  std::int64_t integer = 0;     // number, when is_integer
  double number = 0;            // number: always set (rounded for very large integers)
  std::string* text = nullptr;  // string: the decoded text (a visitor may move from it)
};

// Where a value sits: one segment per enclosing container, from the root down.
struct Segment {
  std::string key;        // inside an object
  std::size_t index = 0;  // inside an array
  bool in_array = false;
};
using Path = std::vector<Segment>;

class Visitor {
 public:
  virtual ~Visitor() = default;
  // Every value in document order, with its path (empty for the root). For an object or an
  // array this is its opening: its members follow with longer paths, then close().
  virtual void value(const Path& path, Value& v) = 0;
  virtual void close(const Path& path, Type container) {}
};

Fault read(std::string_view text, Visitor& visitor, int max_depth = kMaxDepth);

bool is_valid_utf8(std::string_view s);
// Unicode code points in valid UTF-8 (lengths in the contract count these, not bytes).
std::size_t code_points(std::string_view utf8);

}  // namespace mb::json
