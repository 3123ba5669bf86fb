#include "problem_details.h"

#include <algorithm>

#include "json_writer.h"

namespace mb {

namespace {

// One media range of Accept: type, subtype (lowercase) and q in thousandths; nullopt if unreadable.
struct MediaRange {
  std::string type, subtype;
  int q = 1000;
};

// "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")], in thousandths; -1 when malformed.
int parse_qvalue(std::string_view s) {
  if (s.empty() || s.size() > 5 || (s[0] != '0' && s[0] != '1')) return -1;
  if (s.size() > 1 && s[1] != '.') return -1;
  int q = (s[0] - '0') * 1000, scale = 100;
  for (char c : s.substr(std::min<std::size_t>(2, s.size()))) {
    if (c < '0' || c > '9') return -1;
    q += (c - '0') * scale;
    scale /= 10;
  }
  return q > 1000 ? -1 : q;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Splits on `sep` outside quoted strings (a parameter value may hold commas and semicolons).
std::vector<std::string_view> split_unquoted(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && s[i] == sep) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

std::optional<MediaRange> parse_range(std::string_view element) {
  std::vector<std::string_view> parts = split_unquoted(element, ';');
  std::size_t slash = parts[0].find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == parts[0].size()) return std::nullopt;
  MediaRange r{lower(trim(parts[0].substr(0, slash))), lower(trim(parts[0].substr(slash + 1)))};
  if (r.type == "*" && r.subtype != "*") return std::nullopt;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::size_t eq = parts[i].find('=');
    if (eq == std::string_view::npos || lower(trim(parts[i].substr(0, eq))) != "q") continue;
    r.q = parse_qvalue(trim(parts[i].substr(eq + 1)));
    if (r.q < 0) return std::nullopt;
  }
  return r;
}

// The q-value Accept gives `type/subtype`: that of the most specific matching range, 0 if none.
int quality(const std::vector<MediaRange>& ranges, std::string_view type, std::string_view subtype) {
  int best_specificity = 0, q = 0;
  for (const MediaRange& r : ranges) {
    int specificity = r.type == "*" ? 1 : r.type != type ? 0 : r.subtype == "*" ? 2 : r.subtype == subtype ? 3 : 0;
    if (specificity > best_specificity) {
      best_specificity = specificity;
      q = r.q;
    } else if (specificity == best_specificity && specificity > 0) {
      q = std::max(q, r.q);
    }
  }
  return q;
}

void write_field_errors(json::Writer& w, const Problem& p) {
  w.key("errors").begin_array();
  for (const FieldError& fe : p.fields) {
    std::string pointer = fe.pointer;
    if (pointer.empty()) {  // RFC 6901: "~" is "~0" and "/" is "~1" in a reference token
      pointer = "/";
      for (char c : fe.field) pointer += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    }
    w.begin_object();
    w.key("pointer").string(pointer);
    w.key("reason").string(fe.reason);
    w.key("detail").string(fe.message);
    w.end_object();
  }
  w.end_array();
  if (p.more_fields) w.key("more_errors").integer(static_cast<std::int64_t>(p.more_fields));
}

}  // namespace

bool prefers_problem_details(const Headers& request_headers) {
  std::vector<MediaRange> ranges;
  for (const auto& [name, value] : request_headers) {
    if (!iequals(name, "accept")) continue;
    for (std::string_view element : split_unquoted(value, ','))
      if (auto r = element.empty() ? std::nullopt : parse_range(element)) ranges.push_back(std::move(*r));
  }
  return quality(ranges, "application", "problem+json") > quality(ranges, "application", "json");
}

std::string error_body(const Problem& p, bool problem_json, std::string_view instance) {
  if (!problem_json)
    return error_envelope(p.error, p.fields.empty() ? p.details : field_error_details(p.fields, p.more_fields));
  const ErrorInfo& row = info(p.error);
  json::Writer w;
  w.reserve(256);
  w.begin_object();
  w.key("type").string(std::string(kProblemTypeBase) + std::to_string(row.code));
  w.key("title").string(row.message);
  w.key("status").integer(row.status);
  w.key("detail").string(p.fields.empty() ? std::string(row.message)
                                          : std::to_string(p.fields.size() + p.more_fields) + " field error(s).");
  w.key("instance").string(instance);
  w.key("code").integer(row.code);
  if (!p.fields.empty()) write_field_errors(w, p);
  w.end_object();
  std::string out = w.take();
  if (p.fields.empty() && p.details.size() > 2) {  // other details become extension members
    out.pop_back();
    out.append(",").append(std::string_view(p.details).substr(1));
  }
  return out;
}

}  // namespace mb
