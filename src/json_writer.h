// Writing JSON answers and records without building a document: a small writer that escapes
// strings as nlohmann's dump() does (same bytes: \" \\ \b \f \n \r \t, other controls as \u00xx,
// UTF-8 passed through, invalid UTF-8 replaced by U+FFFD) and places the commas.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mb::json {

// Appends s to out as a JSON string literal (with the quotes).
void append_string(std::string& out, std::string_view s);
// The escaped length of s without writing it (bounds what an answer echoes).
std::size_t escaped_size(std::string_view s);

class Writer {
 public:
  Writer& begin_object() { return open('{'); }
  Writer& end_object() { return close('}'); }
  Writer& begin_array() { return open('['); }
  Writer& end_array() { return close(']'); }
  Writer& key(std::string_view k);
  Writer& string(std::string_view s);
  Writer& nullable(const std::string* s) { return s ? string(*s) : null(); }
  Writer& integer(std::int64_t i);
  Writer& boolean(bool b);
  Writer& null();
  Writer& raw(std::string_view json);  // a value already written as JSON text
  Writer& strings(const std::vector<std::string>& list);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }
  void reserve(std::size_t n) { out_.reserve(n); }

 private:
  Writer& open(char c);
  Writer& close(char c);
  void separate();
  std::string out_;
  std::vector<bool> has_item_;  // per open container: a comma is due before the next item
  bool after_key_ = false;
};

}  // namespace mb::json
