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
  auto rec = ctx.read(ctx.cred.mode, ctx.api_key_key(), read_api_key);
  if (!rec.ok() || rec.value().pending || !rec.value().value) return std::nullopt;
  return std::pair{ctx.cred.mode, rec.value().value->id};
}

// The record's key, built once per request.
const std::string& record_key(Context& ctx, Mode mode, const std::string& credential_id) {
  if (ctx.keys.idempotency.empty())
    ctx.keys.idempotency = kv::idempotency(mode, credential_id, ctx.checked.idempotency_key);
  return ctx.keys.idempotency;
}

}  // namespace

std::string membership_id(const Context& ctx) {
  // SHA-256 of who asked, under which key, for what; stretched by hashing again when the 24
  // base62 characters need more bytes (248 = 4 * 62: no modulo bias).
  static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string seed = "account_membership\n" + std::string(mode_name(ctx.grant->mode)) + "\n" +
                     ctx.grant->credential_id + "\n" + ctx.checked.idempotency_key + "\n" + fingerprint(ctx.request());
  std::string id = "am_";
  Sha256 block = sha256(seed);
  for (std::size_t used = 0; id.size() < 27; ++used) {
    if (used == block.size()) {
      block = sha256(std::string_view(reinterpret_cast<const char*>(block.data()), block.size()));
      used = 0;
    }
    if (block[used] < 248) id += alphabet[block[used] % 62];
  }
  return id;
}

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
  if (auto id = credential_id(ctx))
    ctx.want(id->first, record_key(ctx, id->first, id->second), kv::authority(id->first, ctx.request().account_id));
}

Result<Flow> run_idempotency(Context& ctx) {
  const std::string& key = ctx.checked.idempotency_key;
  if (key.empty()) return Flow::next;
  Mode mode = ctx.grant->mode;
  MB_ASSIGN_OR_RETURN(auto rec, ctx.read(mode, record_key(ctx, mode, ctx.grant->credential_id), read_idempotency,
                                         kv::authority(mode, ctx.request().account_id)));
  if (rec.pending) return Flow::wait;
  if (!rec.value) return Flow::next;
  if (rec.value->fingerprint != fingerprint(ctx.request())) return Error::idempotency_key_reused;
  ctx.idempotency_recorded = true;  // the stored answer is not stored again
  ctx.log.replayed = true;
  ctx.log.route = "edge";
  return ctx.respond(rec.value->status, rec.value->body, {{"Idempotent-Replayed", "true"}});
}

std::optional<Effect> idempotency_record(Context& ctx, int status, const std::string& body, AnswerSource source) {
  const std::string& key = ctx.checked.idempotency_key;
  if (key.empty() || ctx.idempotency_recorded || !ctx.grant || !storable(status, source)) return std::nullopt;
  ctx.idempotency_recorded = true;
  Effect e;
  e.id = ctx.next_id++;
  // With a write authority the record is created once: a concurrent or later writer keeps the first.
  e.scope = kv::authority(ctx.grant->mode, ctx.request().account_id);
  e.kind = ctx.put_kind(e.scope);
  e.store = std::string(mode_name(ctx.grant->mode));
  e.key = record_key(ctx, ctx.grant->mode, ctx.grant->credential_id);
  e.value = write_idempotency({fingerprint(ctx.request()), status, body});
  e.ttl_seconds = kIdempotencyTtlSeconds;
  return e;
}

}  // namespace mb
