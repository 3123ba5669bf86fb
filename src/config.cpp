#include "config.h"

#include <algorithm>
#include <charconv>

#include "edge_identity.h"
#include "http.h"
#include "http_signature.h"
#include "json_reader.h"

namespace mb {

bool Config::accepts_alg(std::string_view alg) const {
  bool rsa = !jwt_jwks_url.empty(), ec = !jwt_jwks_url.empty();
  for (const PublicKey& k : jwt_jwks.keys) (k.type == JwkType::rsa ? rsa : ec) = true;
  if (alg == "RS256") return rsa;
  if (alg == "ES256") return ec;
  if (alg == "HS256") return !jwt_hs256_secret.empty();
  return false;
}

namespace {

struct Reader {
  const Vars& vars;
  Config& cfg;

  const std::string* get(const char* name) {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : &it->second;
  }
  void fail(const std::string& message) {
    if (cfg.error.empty()) cfg.error = message;
  }
  void text(const char* name, std::string& out) {
    if (const std::string* v = get(name)) out = std::string(trim(*v));
  }
  template <class Int>
  void number(const char* name, Int& out, Int min, Int max) {
    const std::string* v = get(name);
    if (!v) return;
    std::string_view s = trim(*v);
    Int value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < min || value > max) {
      fail(std::string(name) + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return;
    }
    out = value;
  }
  std::vector<std::string> list(const char* name) {
    const std::string* v = get(name);
    return v ? split_list(*v) : std::vector<std::string>{};
  }
};

// The forward's signing keys (ORIGIN_SIGNING_KEY, ORIGIN_SIGNING_KEYS_NEXT, ORIGIN_SHARED_SECRET_ID)
// and what X-Edge-Identity carries (FORWARD_CLAIMS, FORWARD_AUTHORIZATION).
void read_origin_signing(Reader& r, Config& cfg) {
  if (const std::string* v = r.get("ORIGIN_SIGNING_KEY"); v && !trim(*v).empty()) {
    EdgeSigningKey key;
    if (std::string why = read_signing_key(trim(*v), key); !why.empty())
      r.fail("ORIGIN_SIGNING_KEY " + why + " (a private EC P-256 JWK: kty, crv, x, y, d)");
    else
      cfg.origin_signing_key = std::move(key);
  }
  if (const std::string* v = r.get("ORIGIN_SIGNING_KEYS_NEXT"); v && !trim(*v).empty())
    if (std::string why = read_public_keys(trim(*v), cfg.origin_signing_keys_next); !why.empty())
      r.fail("ORIGIN_SIGNING_KEYS_NEXT " + why + " (public EC P-256 JWKs)");
  std::vector<EdgePublicKey> published;
  if (cfg.origin_signing_key) published.push_back(cfg.origin_signing_key->pub);
  for (const EdgePublicKey& k : cfg.origin_signing_keys_next) published.push_back(k);
  cfg.signatures_directory = signatures_directory(published);
  r.text("ORIGIN_SHARED_SECRET_ID", cfg.origin_shared_secret_id);
  if (cfg.origin_shared_secret_id.empty() || !sf_printable(cfg.origin_shared_secret_id))
    r.fail("ORIGIN_SHARED_SECRET_ID must be printable ASCII");
  for (std::string& name : r.list("FORWARD_CLAIMS")) {
    if (!sf_key(name) || reserved_identity_key(name))
      r.fail("FORWARD_CLAIMS: \"" + name.substr(0, 64) +
             "\" cannot be a key of X-Edge-Identity (lowercase a-z 0-9 _ - . *, not auth, cred, mode, account, sub, "
             "iss)");
    else if (std::find(cfg.forward_claims.begin(), cfg.forward_claims.end(), name) == cfg.forward_claims.end())
      cfg.forward_claims.push_back(std::move(name));
  }
  if (const std::string* v = r.get("FORWARD_AUTHORIZATION")) {
    std::string_view s = trim(*v);
    if (s == "false")
      cfg.forward_authorization = false;
    else if (s != "true")
      r.fail("FORWARD_AUTHORIZATION must be true or false");
  }
}

// ROUTING and the origin: where answers come from, and how forwards are made.
void read_routing(Reader& r, Config& cfg) {
  if (const std::string* v = r.get("ROUTING")) {
    std::string_view s = trim(*v);
    if (s == "edge")
      cfg.routing = Routing::edge;
    else if (s == "origin")
      cfg.routing = Routing::origin;
    else if (s == "auto")
      cfg.routing = Routing::auto_;
    else
      r.fail("ROUTING must be edge, origin or auto");
  }
  r.text("ORIGIN_URL", cfg.origin_url);
  if (!cfg.origin_url.empty() && cfg.origin_url.rfind("http://", 0) != 0 && cfg.origin_url.rfind("https://", 0) != 0)
    r.fail("ORIGIN_URL must be an http:// or https:// URL");
  while (!cfg.origin_url.empty() && cfg.origin_url.back() == '/') cfg.origin_url.pop_back();
  if (cfg.routing != Routing::edge && cfg.origin_url.empty())
    r.fail("ORIGIN_URL is required when ROUTING is auto or origin");
  r.number<std::uint32_t>("ORIGIN_TIMEOUT_MS", cfg.origin_timeout_ms, 1, 600000);
  r.text("ORIGIN_SHARED_SECRET", cfg.origin_shared_secret);
  read_origin_signing(r, cfg);
}

// JWT authentication: issuer, audience, keys (inline, remote, HS256), scope, times, typ.
void read_jwt(Reader& r, Config& cfg) {
  r.text("JWT_ISSUER", cfg.jwt_issuer);
  r.text("JWT_AUDIENCE", cfg.jwt_audience);
  r.text("JWT_JWKS_URL", cfg.jwt_jwks_url);
  if (!cfg.jwt_jwks_url.empty() && cfg.jwt_jwks_url.rfind("http://", 0) != 0 &&
      cfg.jwt_jwks_url.rfind("https://", 0) != 0)
    r.fail("JWT_JWKS_URL must be an http:// or https:// URL");
  if (const std::string* v = r.get("JWT_HS256_SECRET")) cfg.jwt_hs256_secret = *v;  // secrets are not trimmed
  if (!cfg.jwt_hs256_secret.empty() && cfg.jwt_hs256_secret.size() < 32)
    r.fail("JWT_HS256_SECRET must be at least 32 bytes (RFC 7518 §3.2)");
  r.text("JWT_REQUIRED_SCOPE", cfg.jwt_required_scope);
  // It is quoted in WWW-Authenticate's scope="..." (RFC 6750 §3: scope-token characters only).
  for (char c : cfg.jwt_required_scope)
    if (c < 0x21 || c > 0x7E || c == '"' || c == '\\') r.fail("JWT_REQUIRED_SCOPE must be one scope token");
  if (const std::string* v = r.get("JWT_JWKS"); v && !trim(*v).empty()) {
    if (auto doc = read_jwks(*v))
      cfg.jwt_jwks = std::move(doc->keys);
    else
      r.fail("JWT_JWKS is not a JSON Web Key Set ({\"keys\":[...]})");
    cfg.jwt_jwks_inline = true;
    for (const std::string& why : cfg.jwt_jwks.ignored) cfg.notices.push_back("JWT_JWKS: ignored " + why);
  }
  r.number<std::int64_t>("JWKS_CACHE_SECONDS", cfg.jwks_cache_seconds, 0, 86400 * 7);
  r.number<std::int64_t>("JWT_LEEWAY_SECONDS", cfg.jwt_leeway_seconds, 0, 3600);
  r.number<std::int64_t>("JWT_MAX_LIFETIME_SECONDS", cfg.jwt_max_lifetime_seconds, 0, 10 * 366 * 86400);
  if (const std::string* v = r.get("JWT_REQUIRED_TYP"); v && !trim(*v).empty())
    cfg.jwt_required_typ = typ_media_type(trim(*v));
}

// Rate limits: the per-isolate buckets, the binding's policy, the claim, the failure mode.
void read_rate_limits(Reader& r, Config& cfg) {
  r.number<std::int64_t>("RATE_LIMIT_PER_MINUTE", cfg.rate_limit_per_minute, 0, 1000000);
  r.number<std::int64_t>("HOST_RATE_LIMITER_PERIOD", cfg.rate_limiter_period, 0, 86400);
  r.number<std::int64_t>("RATE_LIMIT_BINDING_LIMIT", cfg.rate_limiter_limit, 1, 1000000);
  r.number<std::int64_t>("RATE_LIMIT_ACCOUNT_PER_MINUTE", cfg.rate_limit_account_per_minute, 0, 1000000);
  r.text("RATE_LIMIT_CLAIM", cfg.rate_limit_claim);
  if (const std::string* v = r.get("RATE_LIMIT_FAILURE_MODE")) {
    std::string_view s = trim(*v);
    if (s != "open" && s != "closed") r.fail("RATE_LIMIT_FAILURE_MODE must be open or closed");
    cfg.rate_limit_fail_closed = s == "closed";
  }
}

}  // namespace

Config parse_config(const Vars& vars) {
  Config cfg;
  Reader r{vars, cfg};
  read_routing(r, cfg);
  r.number<std::size_t>("MAX_BODY_BYTES", cfg.max_body_bytes, 2, 1 << 20);
  read_jwt(r, cfg);
  if (r.get("ALLOWED_PERMISSIONS")) {
    cfg.permissions_restricted = true;
    cfg.allowed_permissions = r.list("ALLOWED_PERMISSIONS");
  }
  read_rate_limits(r, cfg);
  // Set by the Workers glue, never by an operator: the host performs verify_signature effects.
  if (const std::string* v = r.get("HOST_WEBCRYPTO")) cfg.host_verifies_signatures = trim(*v) == "1";
  // Set by the host too: it has a write authority (the worker's ACCOUNT_STORE Durable Object, the
  // WASI command's exclusive file create, the native host's map) for kv_put_if_absent.
  if (const std::string* v = r.get("HOST_WRITE_AUTHORITY")) cfg.host_write_authority = trim(*v) == "1";
  for (std::string& o : r.list("CORS_ALLOWED_ORIGINS")) {
    if (o == "*")
      cfg.cors_any_origin = true;
    else
      cfg.cors_allowed_origins.push_back(std::move(o));
  }
  r.number<std::int64_t>("RECORD_CACHE_SECONDS", cfg.record_cache_seconds, 0, 86400);
  r.text("LOG_LEVEL", cfg.log_level);
  if (cfg.log_level != "debug" && cfg.log_level != "info" && cfg.log_level != "warn" && cfg.log_level != "error")
    r.fail("LOG_LEVEL must be debug, info, warn or error");
  return cfg;
}

std::string typ_media_type(std::string_view typ) {
  std::string out = typ.find('/') == std::string_view::npos ? "application/" : "";
  out += typ;
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {
class VarsReader final : public json::Visitor {
 public:
  Vars vars;
  bool is_object = false;
  void value(const json::Path& p, json::Value& v) override {
    if (p.empty()) is_object = v.type == json::Type::object;
    if (p.size() == 1 && v.type == json::Type::string) vars[p[0].key] = std::move(*v.text);
  }
};
}  // namespace

std::optional<Vars> read_vars(std::string_view json_text) {
  VarsReader r;
  if (json::read(json_text, r, 4) != json::Fault::none || !r.is_object) return std::nullopt;
  return std::move(r.vars);
}

}  // namespace mb
