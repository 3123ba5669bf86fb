#include "verify_jwt.h"

#include <algorithm>

#include "context.h"
#include "crypto.h"
#include "edge_identity.h"
#include "jwt_checks.h"
#include "kv_layout.h"

namespace mb {

namespace {

constexpr std::int64_t kTokenCacheMs = 5 * 60 * 1000;
constexpr std::size_t kMaxVerifyEffects = 4;  // candidate keys checked by the host per token

Result<JwksDocument> read_jwks_copy(std::string_view text, std::string_view key) {
  auto doc = read_jwks(text);
  if (!doc || !doc->fetched_at)
    return problem(Error::corrupt_record, "KV record " + std::string(key) + " is not a JWKS copy");
  return std::move(*doc);
}

// The provider's answer to this request's fetch, taken into the isolate's key set (and its KV
// copy, sent with the answer), or counted as a failed attempt.
void take_fetched_keys(Context& ctx, const Outcome& o) {
  JwksSource& source = ctx.engine.remote_keys;
  auto doc = o.ok() && o.status == 200 ? read_jwks(o.body) : std::nullopt;
  if (!doc) {
    source.fetch_failed(ctx.now_ms);
    ctx.notices.push_back("JWKS fetch failed (" +
                          (o.ok() ? "status " + std::to_string(o.status) : std::string(failure_name(o.failure))) +
                          "); serving the last good keys");
    return;
  }
  for (const std::string& why : doc->keys.ignored) ctx.notices.push_back("JWT_JWKS_URL: ignored " + why);
  source.fetch_succeeded(std::move(doc->keys), ctx.now_ms);
  ctx.put(Sent::with_answer, Mode::live, kv::jwks(sha256_hex(ctx.cfg.jwt_jwks_url)),
          write_jwks_copy(source.keys(), source.fetched_at_s()), 0);
}

// Candidates from the remote set: may read its KV copy or fetch it first (Flow::wait).
Result<Flow> remote_candidates(Context& ctx, std::vector<const PublicKey*>& out) {
  JwksSource& source = ctx.engine.remote_keys;
  const Jwt& jwt = ctx.cred.jwt;
  using RemoteKeys = JwtProgress::RemoteKeys;
  if (ctx.jwt.remote == RemoteKeys::fetching || ctx.jwt.remote == RemoteKeys::fetched) {
    // The fetch this request waited for has answered: its outcome is taken in once.
    if (const Outcome* o = ctx.outcome(ctx.jwt.fetch); o && ctx.jwt.remote == RemoteKeys::fetching) {
      ctx.jwt.remote = RemoteKeys::fetched;
      take_fetched_keys(ctx, *o);
    }
    out = candidate_keys(source.keys(), jwt);
    return Flow::next;
  }
  for (;;) {
    bool kid_known = !candidate_keys(source.keys(), jwt).empty();
    bool copy_read = ctx.jwt.remote == RemoteKeys::copy_read;
    switch (source.next(ctx.now_ms, ctx.cfg.jwks_cache_seconds, kid_known, copy_read)) {
      case JwksSource::Next::use_keys:
        out = candidate_keys(source.keys(), jwt);
        return Flow::next;
      case JwksSource::Next::read_copy: {
        std::string key = kv::jwks(sha256_hex(ctx.cfg.jwt_jwks_url));
        auto copy = ctx.read(Mode::live, key, read_jwks_copy);
        if (copy.ok() && copy.value().pending) return Flow::wait;
        ctx.jwt.remote = RemoteKeys::copy_read;
        if (!copy.ok())
          ctx.notices.push_back(copy.problem().note);
        else if (copy.value().value)
          source.copy_found(*copy.value().value);
        continue;
      }
      case JwksSource::Next::fetch: {
        Effect& e = ctx.ask(EffectKind::fetch);
        e.method = "GET";
        e.url = ctx.cfg.jwt_jwks_url;
        e.headers = {{"Accept", "application/json"}};
        e.timeout_ms = ctx.cfg.origin_timeout_ms;
        ctx.jwt.remote = RemoteKeys::fetching;
        ctx.jwt.fetch = e.id;
        return Flow::wait;
      }
    }
  }
}

// The signature: Flow::next when valid, a 401/503 Problem otherwise, Flow::wait on effects.
Result<Flow> check_signature(Context& ctx) {
  const Jwt& jwt = ctx.cred.jwt;
  if (jwt.alg == "HS256")
    return signature_valid(jwt, ctx.cfg, {}) ? Result<Flow>(Flow::next) : Error::jwt_bad_signature;
  std::vector<const PublicKey*> keys = candidate_keys(ctx.cfg.jwt_jwks, jwt);
  if (keys.empty() && !ctx.cfg.jwt_jwks_url.empty()) {
    MB_ASSIGN_OR_RETURN(Flow f, remote_candidates(ctx, keys));
    if (f == Flow::wait) return f;
    if (keys.empty() && !ctx.engine.remote_keys.has_keys()) return Error::key_provider_unavailable;
  }
  if (keys.empty()) return Error::jwt_unknown_key;
  if (keys.size() > kMaxVerifyEffects) keys.resize(kMaxVerifyEffects);

  if (!ctx.cfg.host_verifies_signatures)
    return signature_valid(jwt, ctx.cfg, keys) ? Result<Flow>(Flow::next) : Error::jwt_bad_signature;
  std::vector<EffectId>& asked = ctx.jwt.verifications;
  if (asked.empty()) {
    for (const PublicKey* k : keys) {
      Effect& e = ctx.ask(EffectKind::verify_signature);
      e.alg = jwt.alg;
      e.jwk = k->jwk;
      e.signed_data = jwt.signing_input;
      e.signature = jwt.signature;
      asked.push_back(e.id);
    }
    return Flow::wait;
  }
  // The host's verdicts; a key the host could not use is checked here with BearSSL instead.
  std::vector<const PublicKey*> fallback;
  for (std::size_t i = 0; i < asked.size() && i < keys.size(); ++i) {
    const Outcome* o = ctx.outcome(asked[i]);
    if (o && o->ok() && o->valid) return Flow::next;
    if (!o || !o->ok()) fallback.push_back(keys[i]);
  }
  if (!fallback.empty() && signature_valid(jwt, ctx.cfg, fallback)) return Flow::next;
  return Error::jwt_bad_signature;
}

}  // namespace

Result<Flow> verify_jwt(Context& ctx) {
  if (!ctx.jwt_claims) {
    MB_ASSIGN_OR_RETURN(Flow f, check_signature(ctx));
    if (f == Flow::wait) return f;
    MB_ASSIGN_OR_RETURN(ctx.jwt_claims, read_claims(ctx.cred.jwt.payload, ctx.cfg));
    ctx.jwt_claims->forwarded = read_forwarded_claims(ctx.cred.jwt.payload_text, ctx.cfg.forward_claims, ctx.notices);
    MB_ASSIGN_OR_RETURN(ctx.jwt_claims->rate_limit,
                        read_rate_limit_claim(ctx.cred.jwt.payload_text, ctx.cfg.rate_limit_claim));
    auto& tokens = ctx.engine.tokens;
    if (tokens.size() >= kMaxCacheEntries) tokens.clear();
    // exp is within ±kMaxNumericDate seconds: exp * 1000 cannot overflow.
    tokens[ctx.cred.token_sha256] = {*ctx.jwt_claims, std::min(ctx.jwt_claims->exp * 1000, ctx.now_ms + kTokenCacheMs)};
  }
  const JwtClaims& c = *ctx.jwt_claims;
  MB_TRY(check_times(c, ctx.now_ms / 1000, ctx.cfg.jwt_leeway_seconds));
  Grant g;
  g.credential_id = "jwt:" + c.sub;
  g.mode = c.livemode ? Mode::live : Mode::test;
  g.has_account_list = c.has_account_ids;
  g.account_ids = c.account_ids;
  g.has_required_scope = c.has_required_scope;
  g.rate_limit = c.rate_limit;
  ctx.grant = std::move(g);
  return Flow::next;
}

}  // namespace mb
