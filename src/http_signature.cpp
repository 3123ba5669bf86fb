#include "http_signature.h"

#include <algorithm>

#include "crypto.h"

namespace mb {

namespace {

std::string_view path_part(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

bool sf_printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

bool sf_key(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '*')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '*';
  });
}

std::string sf_string(std::string_view ascii) {
  std::string out = "\"";
  for (char c : ascii) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string sf_display_string(std::string_view utf8) {
  // RFC 9651 §4.1.11: %, ", controls, DEL and every non-ASCII byte as %xx (lowercase hex).
  static const char hex[] = "0123456789abcdef";
  std::string out = "%\"";
  for (char ch : utf8) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '%' || c == '"' || c < 0x20 || c > 0x7E) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::string sf_byte_sequence(std::string_view bytes) { return ":" + base64_encode(bytes) + ":"; }

std::string signature_params(const SignatureInput& input) {
  std::string out = "(";
  for (std::size_t i = 0; i < input.components.size(); ++i) {
    if (i) out += ' ';
    out += sf_string(input.components[i]);
  }
  out += ')';
  for (const SignatureParam& p : input.params) {
    out += ';';
    out += p.name;
    out += '=';
    if (const auto* n = std::get_if<std::int64_t>(&p.value))
      out += std::to_string(*n);
    else
      out += sf_string(std::get<std::string>(p.value));
  }
  return out;
}

std::optional<std::string> component_value(const SignedMessage& m, std::string_view name) {
  if (name == "@method") return m.method;
  if (name == "@authority") return m.authority;
  if (name == "@scheme") return m.scheme;
  if (name == "@request-target") return m.target;
  if (name == "@target-uri") return m.scheme + "://" + m.authority + m.target;
  if (name == "@path") {
    std::string_view p = path_part(m.target);
    return p.empty() ? std::string("/") : std::string(p);
  }
  if (name == "@query") {
    std::size_t q = m.target.find('?');
    return q == std::string::npos ? std::string("?") : m.target.substr(q);
  }
  if (name == "@status") {
    if (m.status < 100 || m.status > 999) return std::nullopt;
    return std::to_string(m.status);
  }
  if (!name.empty() && name[0] == '@') return std::nullopt;  // a derived component not used here
  // A field: every line of it, each value trimmed, joined with ", " (RFC 9421 §2.1).
  std::optional<std::string> out;
  for (const auto& [n, v] : m.headers) {
    if (!iequals(n, name)) continue;
    if (out)
      *out += ", ";
    else
      out.emplace();
    out->append(trim(v));
  }
  return out;
}

std::optional<std::string> signature_base(const SignedMessage& m, const SignatureInput& input) {
  std::string base;
  for (const std::string& name : input.components) {
    std::optional<std::string> value = component_value(m, name);
    if (!value) return std::nullopt;
    base += sf_string(name);
    base += ": ";
    base += *value;
    base += '\n';
  }
  base += "\"@signature-params\": ";
  base += signature_params(input);
  return base;
}

std::string content_digest_sha256(std::string_view body) {
  Sha256 h = sha256(body);
  return "sha-256=" + sf_byte_sequence(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace mb
