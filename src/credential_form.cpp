#include "credential_form.h"

#include <array>
#include <cmath>

#include "context.h"
#include "crypto.h"
#include "json_reader.h"

namespace mb {

std::string_view kind_name(CredentialKind k) {
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

namespace {

using json::Path;
using json::Type;
using json::Value;

// JWT header and payload are small: 8 levels are plenty, and deeper is malformed.
constexpr int kMaxTokenJsonDepth = 8;

// token68-ish: visible ASCII except separators that never occur in our credentials. A table:
// every byte of a (700-byte) token is checked on every request.
constexpr std::array<bool, 256> kTokenChar = [] {
  std::array<bool, 256> t{};
  for (int c = 0x21; c < 0x7F; ++c) t[c] = c != ',' && c != '"' && c != '\\';
  return t;
}();
bool valid_token_char(char c) { return kTokenChar[static_cast<unsigned char>(c)]; }

class HeaderReader final : public json::Visitor {
 public:
  bool is_object = false;
  Jwt& jwt;
  explicit HeaderReader(Jwt& j) : jwt(j) {}
  void value(const Path& p, Value& v) override {
    if (p.empty()) {
      is_object = v.type == Type::object;
      return;
    }
    if (p.size() != 1) return;
    const std::string& k = p[0].key;
    if (k == "alg") {
      jwt.alg_is_string = v.type == Type::string;
      if (jwt.alg_is_string) jwt.alg = std::move(*v.text);
    } else if (k == "kid") {
      if (v.type == Type::string)
        jwt.kid = std::move(*v.text);
      else
        jwt.kid_bad = true;
    } else if (k == "typ") {
      jwt.typ = v.type == Type::string ? std::move(*v.text) : std::string();
    } else if (k == "crit") {
      jwt.has_crit = true;  // RFC 7515 §4.1.11: no extension is understood, so none may be critical
    }
  }
};

TimeClaim numeric_date(const Value& v) {
  TimeClaim t;
  t.present = true;
  if (v.type != Type::number) return t;
  t.valid = true;
  double d = v.is_integer ? static_cast<double>(v.integer) : v.number;
  if (v.is_integer && v.integer >= -kMaxNumericDate && v.integer <= kMaxNumericDate)
    t.seconds = v.integer;
  else  // fractions are truncated; beyond the range, the nearest bound
    t.seconds = d >= double(kMaxNumericDate)    ? kMaxNumericDate
                : d <= -double(kMaxNumericDate) ? -kMaxNumericDate
                                                : static_cast<std::int64_t>(std::trunc(d));
  return t;
}

class PayloadReader final : public json::Visitor {
 public:
  bool is_object = false;
  JwtPayload& c;
  explicit PayloadReader(JwtPayload& p) : c(p) {}
  void value(const Path& p, Value& v) override {
    if (p.empty()) {
      is_object = v.type == Type::object;
      return;
    }
    if (p[0].in_array) return;
    const std::string& k = p[0].key;
    if (p.size() == 2) {  // items of aud, account_ids, permissions
      if (!p[1].in_array) return;
      bool text = v.type == Type::string;
      if (k == "aud" && text) c.aud.push_back(std::move(*v.text));
      if (k == "account_ids") {
        if (text)
          c.account_ids.push_back(std::move(*v.text));
        else
          c.account_ids_bad = true;
      }
      if (k == "permissions" && text) c.permissions.push_back(std::move(*v.text));
      return;
    }
    if (p.size() != 1) return;
    bool text = v.type == Type::string;
    if (k == "exp") {
      c.exp = numeric_date(v);
    } else if (k == "nbf") {
      c.nbf = numeric_date(v);
    } else if (k == "iat") {
      c.iat = numeric_date(v);
    } else if (k == "iss") {
      if (text) c.iss = std::move(*v.text);
    } else if (k == "sub") {
      c.sub_present = true;
      if (text) c.sub = std::move(*v.text);
    } else if (k == "aud") {
      if (text) c.aud.push_back(std::move(*v.text));
    } else if (k == "scope") {
      if (text) c.scope = std::move(*v.text);
    } else if (k == "livemode") {
      if (v.type == Type::boolean)
        c.livemode = v.boolean;
      else
        c.livemode_bad = true;
    } else if (k == "account_ids") {
      c.has_account_ids = true;
      if (v.type != Type::array) c.account_ids_bad = true;
    }
  }
};

// Fills jwt when the token has the JWT shape; false when it is not a JWT at all.
bool decode_jwt(std::string_view token, Jwt& jwt) {
  std::size_t d1 = token.find('.');
  if (d1 == std::string_view::npos) return false;
  std::size_t d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) return false;
  auto header = base64url_decode(token.substr(0, d1));
  if (!header) return false;
  HeaderReader hr(jwt);
  if (json::read(*header, hr, kMaxTokenJsonDepth) != json::Fault::none || !hr.is_object) return false;
  // From here on it is a JWT; the rest decides whether it is a well-formed one.
  auto payload = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = base64url_decode(token.substr(d2 + 1));
  if (!payload || !signature) return true;
  PayloadReader pr(jwt.payload);
  if (json::read(*payload, pr, kMaxTokenJsonDepth) != json::Fault::none || !pr.is_object) return true;
  jwt.payload_text = std::move(*payload);
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(token.substr(0, d2));
  jwt.well_formed = jwt.alg_is_string && !jwt.kid_bad;
  return true;
}

}  // namespace

Result<std::string_view> read_bearer(const Headers& headers) {
  int count = 0;
  auto value = header(headers, "authorization", &count);
  if (!value || trim(*value).empty()) return Error::missing_credential;
  if (count > 1) return Error::malformed_credential;
  std::string_view v = trim(*value);
  std::size_t space = v.find(' ');
  // Another scheme (Basic, ...) or a bare "Bearer" is no Bearer credential at all.
  if (space == std::string_view::npos || !iequals(v.substr(0, space), "bearer")) return Error::missing_credential;
  std::string_view token = v.substr(space);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return Error::missing_credential;
  for (char c : token)
    if (!valid_token_char(c)) return Error::malformed_credential;
  return token;
}

Result<Credential> classify(std::string_view token) {
  Credential cred;
  cred.token = std::string(token);
  if (decode_jwt(token, cred.jwt)) {
    cred.kind = CredentialKind::jwt;
    cred.mode = cred.jwt.payload.livemode == false ? Mode::test : Mode::live;
    return cred;
  }
  std::string_view head = token.substr(0, 32);
  if (head.find("sk_") != std::string_view::npos)
    cred.kind = CredentialKind::secret_key;
  else if (head.find("pk_") != std::string_view::npos)
    cred.kind = CredentialKind::publishable_key;
  else
    return Error::malformed_credential;
  cred.mode = token.find("_test_") != std::string_view::npos ? Mode::test : Mode::live;
  return cred;
}

std::optional<std::string> bearer_challenge(Error e, const Config& cfg) {
  // The catalogue's messages and a checked JWT_REQUIRED_SCOPE need no escaping in a quoted-string.
  const ErrorInfo& row = info(e);
  if (e == Error::missing_scope)
    return "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"" + cfg.jwt_required_scope + "\"";
  if (row.status != 401) return std::nullopt;
  if (e == Error::missing_credential) return "Bearer realm=\"api\"";
  return "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + std::string(row.message) + "\"";
}

Status check_form(const Credential& c, const Config& cfg) {
  if (c.kind == CredentialKind::publishable_key) return Error::publishable_key;
  if (c.kind != CredentialKind::jwt || c.from_cache) return {};
  if (!cfg.jwt_enabled()) return Error::jwt_not_configured;
  if (!c.jwt.well_formed) return Error::jwt_malformed;
  if (!cfg.accepts_alg(c.jwt.alg)) return Error::jwt_unsupported_alg;
  if (c.jwt.has_crit) return Error::jwt_critical_header;
  // Explicit typing (RFC 8725 §3.11): JWT_REQUIRED_TYP, when set, names the only accepted typ.
  if (!cfg.jwt_required_typ.empty() && (!c.jwt.typ || typ_media_type(*c.jwt.typ) != cfg.jwt_required_typ))
    return Error::jwt_wrong_type;
  return {};
}

Result<Flow> run_credential_form(Context& ctx) {
  MB_ASSIGN_OR_RETURN(std::string_view token, read_bearer(ctx.req.headers));
  std::string token_sha256 = sha256_hex(token);
  auto cached = ctx.engine.tokens.find(token_sha256);
  if (cached != ctx.engine.tokens.end() && cached->second.expires_ms > ctx.now_ms) {
    ctx.cred.kind = CredentialKind::jwt;
    ctx.cred.token = std::string(token);
    ctx.cred.from_cache = true;
    ctx.jwt_claims = cached->second.claims;
    ctx.cred.mode = ctx.jwt_claims->livemode ? Mode::live : Mode::test;
  } else {
    MB_ASSIGN_OR_RETURN(ctx.cred, classify(token));
  }
  ctx.cred.token_sha256 = std::move(token_sha256);
  ctx.log.mode = std::string(mode_name(ctx.cred.mode));
  MB_TRY(check_form(ctx.cred, ctx.cfg));
  return Flow::next;
}

}  // namespace mb
