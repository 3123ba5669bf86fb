#include "edge_store.h"

#include <algorithm>

#include "authorization.h"
#include "context.h"
#include "envelope.h"
#include "idempotency.h"
#include "json_writer.h"
#include "origin.h"
#include "timefmt.h"

namespace mb {

namespace {

// Who the membership is for, once the account and the subject records are read.
struct Subject {
  Person person;
  std::optional<std::string> workspace_membership_id;
  std::string user_or_email;  // the membership key's last part
  kv::Member::By by = kv::Member::By::user_id;
};

bool answered_at_origin(const Context& ctx) {
  return ctx.cfg.routing == Routing::origin || (routing_forwards(ctx) && !ctx.grant->has_account_list);
}

// The request's storage keys, built once: the account, the subject (workspace membership or user
// by email), an invite's own membership key and the write authority's name.
const RequestKeys& storage_keys(Context& ctx) {
  RequestKeys& k = ctx.keys;
  if (k.storage_built) return k;
  Mode m = ctx.mode();
  const NormalizedRequest& r = ctx.request();
  k.account = kv::account(m, r.account_id);
  if (r.workspace_membership_id) {
    k.subject = kv::workspace_membership(m, *r.workspace_membership_id);
  } else {
    k.subject = kv::user_by_email(m, *r.email);
    k.invite = kv::membership(m, r.account_id, {kv::Member::By::email, *r.email});
  }
  k.authority = kv::authority(m, r.account_id);
  k.storage_built = true;
  return k;
}

// The membership key once the subject's record tells whom it is for; nullopt while unread.
std::optional<std::string> membership_key(Context& ctx, Mode m) {
  const NormalizedRequest& r = ctx.request();
  const RequestKeys& k = storage_keys(ctx);
  if (r.workspace_membership_id) {
    auto wsm = ctx.read(m, k.subject, read_workspace_membership);
    if (!wsm.ok() || wsm.value().pending || !wsm.value().value) return std::nullopt;
    return kv::membership(m, r.account_id, {kv::Member::By::user_id, *wsm.value().value->user.id});
  }
  auto user = ctx.read(m, k.subject, read_user);
  if (!user.ok()) return std::nullopt;
  // Unread yet: the email key is the likelier one (an invite), read alongside.
  if (user.value().pending || !user.value().value) return k.invite;
  return kv::membership(m, r.account_id, {kv::Member::By::user_id, *user.value().value->id});
}

// The existing membership answers: 200 for the same permissions (as a set), else 409.
Result<Flow> answer_existing(Context& ctx, const MembershipRecord& existing, std::string_view text) {
  if (same_permissions(existing.permissions, ctx.request().permissions))
    return ctx.respond(200, success_envelope(text));
  json::Writer details;
  details.begin_object().key("existing_permissions").strings(existing.permissions).end_object();
  Problem p = problem(Error::membership_conflict);
  p.details = details.take();
  return p;
}

// A membership created under this Idempotency-Key by an earlier attempt of this very request (its
// id comes from the request) whose answer was not stored: its 201, replayed, and now stored.
Flow replay_own_create(Context& ctx, const std::string& text) {
  ctx.log.replayed = true;
  return ctx.respond(201, success_envelope(text), {{"Idempotent-Replayed", "true"}});
}

Result<Flow> after_write(Context& ctx) {
  const Outcome* stored = ctx.outcome(ctx.write_effects.front());
  if (!stored || !stored->ok())
    return problem(
        Error::storage_unavailable,
        "writing the membership failed: " + std::string(failure_name(stored ? stored->failure : Failure::missing)));
  if (ctx.cfg.host_write_authority && !stored->created) {
    // Another request created it first (or the KV replica had not seen it yet): the authority
    // answered with what is there.
    if (!stored->value) return problem(Error::storage_unavailable, "the write authority answered no record");
    MB_ASSIGN_OR_RETURN(MembershipRecord existing, read_membership(*stored->value, "the authority's membership"));
    if (existing.id == ctx.pending_id) return replay_own_create(ctx, *stored->value);
    return answer_existing(ctx, existing, *stored->value);
  }
  return ctx.respond(201, std::move(ctx.pending_body));
}

Result<Flow> answer_at_edge(Context& ctx) {
  ctx.log.route = "edge";
  Mode m = ctx.grant->mode;
  const NormalizedRequest& r = ctx.request();
  const RequestKeys& k = storage_keys(ctx);
  bool auto_live = ctx.auto_live();
  MB_ASSIGN_OR_RETURN(auto account, ctx.read(m, k.account, read_account));
  Subject s;
  if (r.workspace_membership_id) {
    MB_ASSIGN_OR_RETURN(auto wsm, ctx.read(m, k.subject, read_workspace_membership));
    if (account.pending || wsm.pending) return Flow::wait;
    if (!account.value) return auto_live ? forward(ctx) : Error::account_not_found;
    if (!wsm.value) return auto_live ? forward(ctx) : Error::workspace_membership_not_found;
    if (wsm.value->workspace_id != account.value->workspace_id) {
      if (auto_live) return forward(ctx);
      Problem p = problem(Error::workspace_mismatch);
      p.fields.push_back(
          {"workspace_membership_id", "other_workspace", "Belongs to another workspace than the account.", {}});
      return p;
    }
    s.person = wsm.value->user;
    s.workspace_membership_id = r.workspace_membership_id;
    s.user_or_email = *s.person.id;
  } else {
    MB_ASSIGN_OR_RETURN(auto user, ctx.read(m, k.subject, read_user));
    if (account.pending || user.pending) return Flow::wait;
    if (!account.value) return auto_live ? forward(ctx) : Error::account_not_found;
    if (user.value) {
      s.person = {user.value->id, r.email, user.value->name};
      s.user_or_email = *user.value->id;
    } else {
      s.person = {std::nullopt, r.email, std::nullopt};
      s.by = kv::Member::By::email;
      s.user_or_email = *r.email;
    }
  }

  std::string key = s.by == kv::Member::By::email ? k.invite : kv::membership(m, r.account_id, {s.by, s.user_or_email});
  MB_ASSIGN_OR_RETURN(auto existing, ctx.read(m, key, read_membership, k.authority));
  if (existing.pending) return Flow::wait;
  if (existing.value) {
    const std::string& text = *ctx.kv.at(slot_of(m, key));
    if (!ctx.checked.idempotency_key.empty() && existing.value->id == membership_id(ctx))
      return replay_own_create(ctx, text);
    if (auto_live && !same_permissions(existing.value->permissions, r.permissions)) return forward(ctx);
    return answer_existing(ctx, *existing.value, text);
  }
  if (auto_live) return forward(ctx);

  MembershipRecord created;
  // Under an Idempotency-Key the id comes from the request, so that retries build the same record.
  created.id = ctx.checked.idempotency_key.empty() ? "am_" + ctx.random_base62(24) : membership_id(ctx);
  ctx.pending_id = created.id;
  created.account_id = r.account_id;
  created.user_id = s.person.id;
  created.workspace_membership_id = s.workspace_membership_id;
  created.permissions = r.permissions;
  created.created_at = created.updated_at = format_rfc3339(ctx.now_ms / 1000);
  created.user = s.person;
  // With a write authority (SPEC §4, consistent creates) the record is created only if absent.
  Effect& put = ctx.add_effect(ctx.put_kind(k.authority));
  put.store = std::string(mode_name(m));
  put.scope = k.authority;
  put.key = std::move(key);
  put.value = write_membership(created);
  ctx.pending_body = success_envelope(put.value);  // the answer's data is the record, byte for byte
  ctx.write_effects.push_back(put.id);
  return Flow::wait;
}

}  // namespace

bool same_permissions(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

Result<Flow> run_store(Context& ctx) {
  if (ctx.forward_effect) return after_forward(ctx);
  if (ctx.forward_draft) return forward(ctx);  // the host's signature has come
  if (!ctx.write_effects.empty()) return after_write(ctx);
  if (answered_at_origin(ctx)) return forward(ctx);
  return answer_at_edge(ctx);
}

void prefetch_storage(Context& ctx) {
  if (ctx.cfg.routing == Routing::origin || ctx.forward_effect || ctx.forward_draft) return;
  if (ctx.grant && answered_at_origin(ctx)) return;
  Mode m = ctx.mode();
  const RequestKeys& k = storage_keys(ctx);
  ctx.want(m, k.account);
  ctx.want(m, k.subject);
  if (auto key = membership_key(ctx, m)) ctx.want(m, *key, k.authority);
}

}  // namespace mb
