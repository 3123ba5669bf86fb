#include "credential.h"

#include "crypto.h"

namespace mb {

const char* kind_name(CredentialKind k) {
  switch (k) {
    case CredentialKind::jwt:
      return "jwt";
    case CredentialKind::secret_key:
      return "secret_key";
    case CredentialKind::publishable_key:
      return "publishable_key";
  }
  return "unknown";
}

// token68-ish: visible ASCII except separators that never occur in our credentials.
static bool valid_token_char(char c) { return c > 0x20 && c < 0x7F && c != ',' && c != '"' && c != '\\'; }

bool decode_jwt(std::string_view token, JwtParts& parts, bool& well_formed) {
  well_formed = false;
  std::size_t d1 = token.find('.');
  if (d1 == std::string_view::npos) return false;
  std::size_t d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return false;
  auto header_bytes = base64url_decode(token.substr(0, d1));
  if (!header_bytes) return false;
  ParsedJson header = parse_strict(*header_bytes, 8);
  if (header.fault != JsonFault::none || !header.value.is_object()) return false;
  // From here on it is a JWT; the rest decides whether it is a well-formed one.
  parts.header = std::move(header.value);
  auto payload_bytes = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = base64url_decode(token.substr(d2 + 1));
  if (!payload_bytes || !signature) return true;
  ParsedJson payload = parse_strict(*payload_bytes, 8);
  if (payload.fault != JsonFault::none || !payload.value.is_object()) return true;
  auto alg = parts.header.find("alg");
  if (alg == parts.header.end() || !alg->is_string()) return true;
  auto kid = parts.header.find("kid");
  if (kid != parts.header.end() && !kid->is_string()) return true;
  parts.alg = *alg->get_ptr<const std::string*>();
  if (kid != parts.header.end()) parts.kid = *kid->get_ptr<const std::string*>();
  parts.payload = std::move(payload.value);
  parts.signature = std::move(*signature);
  parts.signing_input = std::string(token.substr(0, d2));
  well_formed = true;
  return true;
}

CredentialCheck read_credential(const Headers& headers, const Config& cfg, const VerifiedTokens& verified) {
  CredentialCheck out;
  int count = 0;
  auto value = header(headers, "authorization", &count);
  if (!value || trim(*value).empty()) {
    out.error = Error::missing_credential;
    return out;
  }
  std::string_view v = trim(*value);
  std::size_t space = v.find(' ');
  if (count > 1) {
    out.error = Error::malformed_credential;
    return out;
  }
  // Another scheme (Basic, ...) or a bare "Bearer" is no Bearer credential at all.
  if (space == std::string_view::npos || !iequals(v.substr(0, space), "bearer")) {
    out.error = Error::missing_credential;
    return out;
  }
  std::string_view token = v.substr(space);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) {
    out.error = Error::missing_credential;
    return out;
  }
  for (char c : token)
    if (!valid_token_char(c)) {
      out.error = Error::malformed_credential;
      return out;
    }

  Credential cred;
  cred.token = std::string(token);
  cred.mode = token.find("_test_") != std::string_view::npos ? Mode::test : Mode::live;
  if (verified) {
    cred.token_sha256 = sha256_hex(cred.token);
    if (std::optional<Mode> mode = verified(cred.token_sha256)) {
      cred.kind = CredentialKind::jwt;
      cred.mode = *mode;
      cred.from_cache = true;
      out.credential = std::move(cred);
      return out;
    }
  }
  bool well_formed = false;
  if (decode_jwt(token, cred.jwt, well_formed)) {
    cred.kind = CredentialKind::jwt;
    cred.mode = Mode::live;
    if (well_formed) {
      auto lm = cred.jwt.payload.find("livemode");
      if (lm != cred.jwt.payload.end() && lm->is_boolean() && !lm->get_ref<const bool&>()) cred.mode = Mode::test;
    }
    out.credential = std::move(cred);
    if (!cfg.jwt_enabled())
      out.error = Error::jwt_not_configured;
    else if (!well_formed)
      out.error = Error::jwt_malformed;
    else if (!cfg.accepts_alg(out.credential->jwt.alg))
      out.error = Error::jwt_unsupported_alg;
    return out;
  }
  std::string_view head = token.substr(0, 32);
  if (head.find("sk_") != std::string_view::npos)
    cred.kind = CredentialKind::secret_key;
  else if (head.find("pk_") != std::string_view::npos)
    cred.kind = CredentialKind::publishable_key;
  else {
    out.error = Error::malformed_credential;
    return out;
  }
  out.credential = std::move(cred);
  if (out.credential->kind == CredentialKind::publishable_key) out.error = Error::publishable_key;
  return out;
}

}  // namespace mb
