#include "verify_credential.h"

#include "authorization.h"
#include "context.h"
#include "kv_layout.h"
#include "verify_jwt.h"

namespace mb {

Result<Grant> check_api_key(const ApiKeyRecord& rec, const Credential& cred, std::int64_t now_ms) {
  ApiKeyType want = cred.kind == CredentialKind::publishable_key ? ApiKeyType::publishable : ApiKeyType::secret;
  if (rec.type != want || rec.mode != cred.mode) return Error::api_key_mismatch;
  if (rec.revoked) return Error::revoked_api_key;
  // expires_at is a year 0000-9999 timestamp: seconds * 1000 cannot overflow.
  if (rec.expires_at && *rec.expires_at * 1000 <= now_ms) return Error::expired_api_key;
  MB_TRY(check_account_list(rec.account_ids));
  Grant g;
  g.credential_id = rec.id;
  g.mode = rec.mode;
  g.account_ids = rec.account_ids;
  g.rate_limit = rec.rate_limit;
  return g;
}

Result<Flow> run_verify_credential(Context& ctx) {
  if (ctx.cred.kind == CredentialKind::jwt) return verify_jwt(ctx);
  MB_ASSIGN_OR_RETURN(auto rec, ctx.read(ctx.cred.mode, ctx.api_key_key(), read_api_key));
  if (rec.pending) return Flow::wait;
  if (!rec.value) return Error::unknown_api_key;
  MB_ASSIGN_OR_RETURN(ctx.grant, check_api_key(*rec.value, ctx.cred, ctx.now_ms));
  return Flow::next;
}

}  // namespace mb
