// libFuzzer target: the KV layout's encoding (src/kv_layout.h). Two different part lists must
// never give the same key (injectivity), every key stays within KV's 512 bytes, and an encoded
// part decodes back to the part (round trip) and never contains the separator.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "kv_layout.h"

namespace {

std::optional<std::string> decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Four parts, split on 0xFF bytes: two part lists (a, b) and (c, d).
  std::string parts[4];
  std::size_t n = 0;
  for (char c : in) {
    if (static_cast<unsigned char>(c) == 0xFF && n < 3)
      ++n;
    else
      parts[n] += c;
  }
  for (const std::string& p : parts) {
    std::string e = mb::kv::encode_part(p);
    if (e.find(':') != std::string::npos || e.find("%h") != std::string::npos) std::abort();
    std::optional<std::string> back = decode(e);
    if (!back || *back != p) std::abort();
  }
  auto check = [&](const std::string& x, const std::string& y, bool same_lists) {
    if (x.size() > mb::kv::kMaxKeyBytes || y.size() > mb::kv::kMaxKeyBytes) std::abort();
    if ((x == y) != same_lists) std::abort();
  };
  bool same = parts[0] == parts[2] && parts[1] == parts[3];
  using mb::Mode;
  check(mb::kv::idempotency(Mode::test, parts[0], parts[1]), mb::kv::idempotency(Mode::test, parts[2], parts[3]), same);
  check(mb::kv::membership(Mode::live, parts[0], {mb::kv::Member::By::user_id, parts[1]}),
        mb::kv::membership(Mode::live, parts[2], {mb::kv::Member::By::user_id, parts[3]}), same);
  check(mb::kv::membership(Mode::live, parts[0], {mb::kv::Member::By::email, parts[1]}),
        mb::kv::membership(Mode::live, parts[2], {mb::kv::Member::By::email, parts[3]}), same);
  // A user id never passes for an email member, nor one mode for the other.
  if (mb::kv::membership(Mode::live, parts[0], {mb::kv::Member::By::user_id, parts[1]}) ==
      mb::kv::membership(Mode::live, parts[2], {mb::kv::Member::By::email, parts[3]}))
    std::abort();
  check(mb::kv::account(Mode::test, parts[0]), mb::kv::account(Mode::live, parts[0]), false);
  check(mb::kv::user_by_email(Mode::test, parts[0]), mb::kv::user_by_email(Mode::test, parts[2]), parts[0] == parts[2]);
  return 0;
}
