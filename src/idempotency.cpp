#include "idempotency.h"

#include <algorithm>

#include "context.h"
#include "crypto.h"

namespace mb {

namespace {

// Mode and credential id as far as known before step 4 (a prefetch's value is used only after).
std::optional<std::pair<Mode, std::string>> credential_id(Context& ctx) {
  if (ctx.grant) return std::pair{ctx.grant->mode, ctx.grant->credential_id};
  if (ctx.cred.kind == CredentialKind::jwt) {
    if (ctx.jwt_claims) return std::pair{ctx.cred.mode, "jwt:" + ctx.jwt_claims->sub};
    if (ctx.cred.jwt.payload.sub) return std::pair{ctx.cred.mode, "jwt:" + *ctx.cred.jwt.payload.sub};
    return std::nullopt;
  }
  auto rec = ctx.read(ctx.cred.mode, kv::api_key(ctx.cred.token_sha256), read_api_key);
  if (!rec.ok() || rec.value().pending || !rec.value().value) return std::nullopt;
  return std::pair{ctx.cred.mode, rec.value().value->id};
}

std::string record_key(Mode mode, const std::string& credential_id, const std::string& key) {
  return kv::idempotency(mode, credential_id, key);
}

}  // namespace

std::string fingerprint(const NormalizedRequest& req) {
  NormalizedRequest sorted = req;
  std::sort(sorted.permissions.begin(), sorted.permissions.end());  // permissions are a set
  return sha256_hex(req.account_id + "\n" + sorted.body_json());
}

bool storable(int status, AnswerSource source) {
  if (status >= 200 && status < 300) return true;
  if (status == 404 || status == 409 || status == 422) return true;
  return source == AnswerSource::origin && (status == 403 || status >= 500);
}

void prefetch_idempotency(Context& ctx) {
  if (ctx.checked.idempotency_key.empty()) return;
  if (auto id = credential_id(ctx)) ctx.want(id->first, record_key(id->first, id->second, ctx.checked.idempotency_key));
}

Result<Flow> run_idempotency(Context& ctx) {
  const std::string& key = ctx.checked.idempotency_key;
  if (key.empty()) return Flow::next;
  MB_ASSIGN_OR_RETURN(auto rec, ctx.read(ctx.grant->mode, record_key(ctx.grant->mode, ctx.grant->credential_id, key),
                                         read_idempotency));
  if (rec.pending) return Flow::wait;
  if (!rec.value) return Flow::next;
  if (rec.value->fingerprint != fingerprint(ctx.request())) return Error::idempotency_key_reused;
  ctx.idempotency_recorded = true;  // the stored answer is not stored again
  ctx.log.replayed = true;
  ctx.log.route = "edge";
  return ctx.respond(rec.value->status, std::move(rec.value->body), {{"Idempotent-Replayed", "true"}});
}

std::optional<Effect> idempotency_record(Context& ctx, int status, const std::string& body, AnswerSource source) {
  const std::string& key = ctx.checked.idempotency_key;
  if (key.empty() || ctx.idempotency_recorded || !ctx.grant || !storable(status, source)) return std::nullopt;
  ctx.idempotency_recorded = true;
  Effect e;
  e.id = ctx.next_id++;
  e.kind = EffectKind::kv_put;
  e.store = std::string(mode_name(ctx.grant->mode));
  e.key = record_key(ctx.grant->mode, ctx.grant->credential_id, key);
  e.value = write_idempotency({fingerprint(ctx.request()), status, body});
  e.ttl_seconds = kIdempotencyTtlSeconds;
  return e;
}

}  // namespace mb
