#include "json_writer.h"

namespace mb::json {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  if (n == 1) return 1;
  unsigned cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// The two-character escapes (as nlohmann's dump() writes them); empty for any other byte.
std::string_view short_escape(unsigned char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return {};
  }
}

template <class Sink>
void escape(std::string_view s, Sink&& put) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < s.size();) {
    // A run of characters written as they are goes out in one piece.
    std::size_t run = i;
    while (run < s.size()) {
      unsigned char r = static_cast<unsigned char>(s[run]);
      if (r < 0x20 || r >= 0x80 || r == '"' || r == '\\') break;
      ++run;
    }
    if (run > i) {
      put(s.substr(i, run - i));
      i = run;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::string_view e = short_escape(c); !e.empty()) {
      put(e);
      ++i;
      continue;
    }
    if (c < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      put(std::string_view(u, 6));
      ++i;
      continue;
    }
    std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      put("\xEF\xBF\xBD");  // U+FFFD for a byte that starts no valid sequence
      ++i;
    } else {
      put(s.substr(i, n));
      i += n;
    }
  }
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  escape(s, [&](std::string_view piece) { out.append(piece); });
  out.push_back('"');
}

std::size_t escaped_size(std::string_view s) {
  std::size_t n = 2;
  escape(s, [&](std::string_view piece) { n += piece.size(); });
  return n;
}

void Writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_item_.empty()) {
    if (has_item_.back()) out_.push_back(',');
    has_item_.back() = true;
  }
}

Writer& Writer::open(char c) {
  separate();
  out_.push_back(c);
  has_item_.push_back(false);
  return *this;
}

Writer& Writer::close(char c) {
  has_item_.pop_back();
  out_.push_back(c);
  return *this;
}

Writer& Writer::key(std::string_view k) {
  separate();
  append_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

Writer& Writer::string(std::string_view s) {
  separate();
  append_string(out_, s);
  return *this;
}

Writer& Writer::integer(std::int64_t i) {
  separate();
  out_ += std::to_string(i);
  return *this;
}

Writer& Writer::boolean(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

Writer& Writer::null() {
  separate();
  out_ += "null";
  return *this;
}

Writer& Writer::raw(std::string_view json) {
  separate();
  out_.append(json);
  return *this;
}

Writer& Writer::strings(const std::vector<std::string>& list) {
  begin_array();
  for (const std::string& s : list) string(s);
  return end_array();
}

}  // namespace mb::json
