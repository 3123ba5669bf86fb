#include "idempotency.h"

#include <algorithm>

#include "authorization.h"
#include "context.h"
#include "crypto.h"
#include "kv_layout.h"

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

// The claim's lifetime: past the longest the attempt can take, after which it counts as absent.
std::uint32_t claim_ttl_seconds(const Context& ctx) {
  std::uint64_t ms = kClaimMarginMs + (routing_forwards(ctx) ? ctx.cfg.origin_timeout_ms : 0);
  return static_cast<std::uint32_t>((ms + 999) / 1000);
}

// What is under the key answers: the stored answer, 40902 for another request, 40903 while the
// request that claimed it runs.
Result<Flow> answer_recorded(Context& ctx, const IdempotencyRecord& rec) {
  if (rec.fingerprint != fingerprint(ctx.request())) return Error::idempotency_key_reused;
  if (rec.pending) {
    Problem p = problem(Error::idempotency_key_in_progress);
    p.headers.emplace_back("Retry-After", "1");
    return p;
  }
  ctx.idempotency.key = IdempotencyProgress::Key::settled;  // the stored answer is not stored again
  ctx.log.replayed = true;
  ctx.log.route = "edge";
  return ctx.respond(rec.status, rec.body, {{"Idempotent-Replayed", "true"}});
}

Flow claim(Context& ctx, Mode mode, const std::string& key) {
  Effect& e = ctx.ask(EffectKind::kv_claim);
  e.store = std::string(mode_name(mode));
  e.key = key;
  e.scope = key;  // the key's own authority: never an account's "<mode>:<account_id>"
  e.value = write_idempotency({fingerprint(ctx.request()), 0, "", true, ctx.request().account_id});
  e.ttl_seconds = claim_ttl_seconds(ctx);
  ctx.idempotency = {IdempotencyProgress::Key::claiming, e.id};
  return Flow::wait;
}

Result<Flow> after_claim(Context& ctx) {
  const Outcome* o = ctx.outcome(ctx.idempotency.claim);
  if (!o || !o->ok())
    return problem(Error::storage_unavailable, "claiming the Idempotency-Key failed: " +
                                                   std::string(failure_name(o ? o->failure : Failure::missing)));
  if (o->created) {
    ctx.idempotency.key = IdempotencyProgress::Key::claimed;
    return Flow::next;
  }
  if (!o->value) return problem(Error::storage_unavailable, "the write authority answered no idempotency record");
  MB_ASSIGN_OR_RETURN(IdempotencyRecord there, read_idempotency(*o->value, "the authority's idempotency record"));
  return answer_recorded(ctx, there);
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
  if (auto id = credential_id(ctx)) {
    const std::string& key = record_key(ctx, id->first, id->second);
    ctx.want(id->first, key, key);
  }
}

Result<Flow> run_idempotency(Context& ctx) {
  const std::string& key = ctx.checked.idempotency_key;
  if (key.empty()) return Flow::next;
  if (ctx.idempotency.key == IdempotencyProgress::Key::claiming) return after_claim(ctx);
  Mode mode = ctx.grant->mode;
  const std::string& record = record_key(ctx, mode, ctx.grant->credential_id);
  MB_ASSIGN_OR_RETURN(auto rec, ctx.read(mode, record, read_idempotency, record));
  if (rec.pending) return Flow::wait;
  if (rec.value) return answer_recorded(ctx, *rec.value);  // a finished key costs no claim
  // Without a write authority nothing can be claimed: concurrent requests may all run.
  if (!ctx.cfg.host_write_authority) return Flow::next;
  return claim(ctx, mode, record);
}

void settle_idempotency_key(Context& ctx, int status, const std::string& body, AnswerSource source) {
  using Key = IdempotencyProgress::Key;
  if (ctx.checked.idempotency_key.empty() || ctx.idempotency.key == Key::settled || !ctx.grant) return;
  bool keep = storable(status, source);
  if (!keep && ctx.idempotency.key != Key::claimed) return;
  ctx.idempotency.key = Key::settled;
  Mode mode = ctx.grant->mode;
  const std::string& key = record_key(ctx, mode, ctx.grant->credential_id);
  if (!keep) {  // a failed attempt gives the key back: a retry runs again
    Effect& e = ctx.ask(EffectKind::kv_release, Sent::with_answer);
    e.store = std::string(mode_name(mode));
    e.key = key;
    e.scope = key;
    return;
  }
  // Replaces this request's claim at the authority (the only writer while the claim lives), then KV.
  ctx.put(Sent::with_answer, mode, key, write_idempotency({fingerprint(ctx.request()), status, body, false, {}}),
          kIdempotencyTtlSeconds, key, Existing::replaced);
}

}  // namespace mb
