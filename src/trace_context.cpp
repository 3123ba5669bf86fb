#include "trace_context.h"

#include <algorithm>

namespace mb {

namespace {

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

bool valid_traceparent(std::string_view v) {
  // version "-" trace-id(32) "-" parent-id(16) "-" flags(2); version ff is invalid; a later
  // version may append "-" and more, version 00 may not.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  std::string_view version = v.substr(0, 2), trace_id = v.substr(3, 32), parent_id = v.substr(36, 16),
                   flags = v.substr(53, 2);
  if (!lower_hex(version) || version == "ff" || !lower_hex(trace_id) || !lower_hex(parent_id) || !lower_hex(flags))
    return false;
  if (all_zeros(trace_id) || all_zeros(parent_id)) return false;
  if (version == "00") return v.size() == 55;
  return v.size() == 55 || v[55] == '-';
}

// tracestate (W3C §3.3): at most 32 comma-separated key=value members, 512 characters in all.
bool valid_tracestate(std::string_view v) {
  if (v.size() > 512) return false;
  int members = 0;
  while (!v.empty()) {
    std::size_t comma = v.find(',');
    std::string_view m = trim(v.substr(0, comma));
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
    if (m.empty()) continue;
    if (++members > 32) return false;
    std::size_t eq = m.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq > 256 || m.size() - eq - 1 > 256 || eq + 1 == m.size())
      return false;
    std::string_view key = m.substr(0, eq), value = m.substr(eq + 1);
    bool key_ok = std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/' ||
             c == '@';
    });
    bool value_ok =
        std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7E && c != ',' && c != '='; });
    key_ok = key_ok && ((key[0] >= 'a' && key[0] <= 'z') || (key[0] >= '0' && key[0] <= '9'));
    if (!key_ok || !value_ok || value.back() == ' ') return false;
  }
  return true;
}

}  // namespace

std::optional<TraceContext> read_trace_context(const Headers& headers) {
  int count = 0;
  auto parent = header(headers, "traceparent", &count);
  if (!parent || count != 1) return std::nullopt;
  std::string_view v = trim(*parent);
  if (!valid_traceparent(v)) return std::nullopt;
  TraceContext t;
  t.traceparent = std::string(v);
  t.trace_id = std::string(v.substr(3, 32));
  // Several tracestate lines are one list (RFC 9110 §5.3).
  std::string state;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "tracestate")) continue;
    if (!state.empty()) state += ',';
    state += trim(value);
  }
  if (!state.empty() && valid_tracestate(state)) t.tracestate = std::move(state);
  return t;
}

}  // namespace mb
