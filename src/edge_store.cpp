#include "edge_store.h"

#include <algorithm>

#include "authorization.h"
#include "context.h"
#include "envelope.h"
#include "idempotency.h"
#include "json_writer.h"
#include "kv_layout.h"
#include "origin.h"
#include "timefmt.h"

namespace mb {

namespace {

// Whom the membership is for, and its key, once the subject's record is read.
struct Subject {
  Person person;
  std::optional<std::string> workspace_membership_id;
  std::string workspace_id;  // a workspace membership's workspace
  std::string membership_key;
};

// The subject's record (workspace membership or user by email): pending while unread; no subject
// when a workspace membership is absent (an absent user makes an email invite).
struct SubjectRead {
  bool pending = false;
  std::optional<Subject> subject;
};

bool answered_at_origin(const Context& ctx) {
  return ctx.cfg.routing == Routing::origin || (routing_forwards(ctx) && !ctx.grant->has_account_list);
}

// The request's storage keys, built once: the account, the subject (workspace membership or user
// by email), an invite's own membership key and the write authority's name.
const RequestKeys& storage_keys(Context& ctx) {
  RequestKeys& k = ctx.keys;
  if (!k.account.empty()) return k;
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
  return k;
}

// The one storage plan of the prefetch and the stage: whom the membership is for and its key.
Result<SubjectRead> read_subject(Context& ctx, Mode m, const RequestKeys& k) {
  const NormalizedRequest& r = ctx.request();
  SubjectRead out;
  if (r.workspace_membership_id) {
    MB_ASSIGN_OR_RETURN(auto wsm, ctx.read(m, k.subject, read_workspace_membership));
    out.pending = wsm.pending;
    if (const auto& w = wsm.value)
      out.subject = Subject{w->user, r.workspace_membership_id, w->workspace_id,
                            kv::membership(m, r.account_id, {kv::Member::By::user_id, *w->user.id})};
    return out;
  }
  MB_ASSIGN_OR_RETURN(auto user, ctx.read(m, k.subject, read_user));
  out.pending = user.pending;
  if (const auto& u = user.value)
    out.subject = Subject{{u->id, r.email, u->name},
                          std::nullopt,
                          {},
                          kv::membership(m, r.account_id, {kv::Member::By::user_id, *u->id})};
  else if (!user.pending)
    out.subject = Subject{{std::nullopt, r.email, std::nullopt}, std::nullopt, {}, k.invite};
  return out;
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
  StoreProgress& writing = ctx.store;
  const Outcome* stored = ctx.outcome(writing.effect);
  if (!stored || !stored->ok())
    return problem(
        Error::storage_unavailable,
        "writing the membership failed: " + std::string(failure_name(stored ? stored->failure : Failure::missing)));
  if (ctx.cfg.host_write_authority && !stored->created) {
    // Another request created it first (or the KV replica had not seen it yet): the authority
    // answered with what is there.
    if (!stored->value) return problem(Error::storage_unavailable, "the write authority answered no record");
    MB_ASSIGN_OR_RETURN(MembershipRecord existing, read_membership(*stored->value, "the authority's membership"));
    if (existing.id == writing.membership_id) return replay_own_create(ctx, *stored->value);
    return answer_existing(ctx, existing, *stored->value);
  }
  return ctx.respond(201, std::move(writing.body));
}

// No membership yet: a new one, written (with a write authority, created there only if absent);
// the 201 waits on the write.
Flow create(Context& ctx, Mode m, const Subject& s, const RequestKeys& k) {
  const NormalizedRequest& r = ctx.request();
  MembershipRecord created;
  // Under an Idempotency-Key the id comes from the request, so that retries build the same record.
  created.id = ctx.checked.idempotency_key.empty() ? "am_" + ctx.random_base62(24) : membership_id(ctx);
  created.account_id = r.account_id;
  created.user_id = s.person.id;
  created.workspace_membership_id = s.workspace_membership_id;
  created.permissions = r.permissions;
  created.created_at = created.updated_at = format_rfc3339(ctx.now_ms / 1000);
  created.user = s.person;
  Effect& put = ctx.put(Sent::now, m, s.membership_key, write_membership(created), 0, k.authority);
  // The answer's data is the record, byte for byte.
  ctx.store.step = StoreProgress::Step::writing;
  ctx.store.effect = put.id;
  ctx.store.membership_id = std::move(created.id);
  ctx.store.body = success_envelope(put.value);
  return Flow::wait;
}

Result<Flow> answer_at_edge(Context& ctx) {
  ctx.log.route = "edge";
  Mode m = ctx.grant->mode;
  const RequestKeys& k = storage_keys(ctx);
  bool auto_live = ctx.auto_live();
  MB_ASSIGN_OR_RETURN(auto account, ctx.read(m, k.account, read_account));
  MB_ASSIGN_OR_RETURN(SubjectRead read, read_subject(ctx, m, k));
  if (account.pending || read.pending) return Flow::wait;
  if (!account.value) return auto_live ? forward(ctx) : Error::account_not_found;
  if (!read.subject) return auto_live ? forward(ctx) : Error::workspace_membership_not_found;
  const Subject& s = *read.subject;
  if (s.workspace_membership_id && s.workspace_id != account.value->workspace_id) {
    if (auto_live) return forward(ctx);
    Problem p = problem(Error::workspace_mismatch);
    p.fields.push_back(
        {"workspace_membership_id", "other_workspace", "Belongs to another workspace than the account.", {}});
    return p;
  }
  MB_ASSIGN_OR_RETURN(auto existing, ctx.read(m, s.membership_key, read_membership, k.authority));
  if (existing.pending) return Flow::wait;
  if (!existing.value) return auto_live ? forward(ctx) : create(ctx, m, s, k);
  const std::string& text = *existing.text;
  if (!ctx.checked.idempotency_key.empty() && existing.value->id == membership_id(ctx))
    return replay_own_create(ctx, text);
  if (auto_live && !same_permissions(existing.value->permissions, ctx.request().permissions)) return forward(ctx);
  return answer_existing(ctx, *existing.value, text);
}

}  // namespace

bool same_permissions(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

Result<Flow> run_store(Context& ctx) {
  switch (ctx.store.step) {
    case StoreProgress::Step::forwarded:
      return after_forward(ctx, ctx.store.effect);
    case StoreProgress::Step::signing:
      return forward(ctx);  // the host's signature has come
    case StoreProgress::Step::writing:
      return after_write(ctx);
    case StoreProgress::Step::start:
      break;
  }
  if (answered_at_origin(ctx)) return forward(ctx);
  return answer_at_edge(ctx);
}

void prefetch_storage(Context& ctx) {
  StoreProgress::Step step = ctx.store.step;
  bool forwarding = step == StoreProgress::Step::signing || step == StoreProgress::Step::forwarded;
  if (ctx.cfg.routing == Routing::origin || forwarding) return;
  if (ctx.grant && answered_at_origin(ctx)) return;
  Mode m = ctx.mode();
  const RequestKeys& k = storage_keys(ctx);
  ctx.want(m, k.account);
  ctx.want(m, k.subject);
  auto read = read_subject(ctx, m, k);
  if (!read.ok()) return;
  if (read.value().subject) {
    ctx.want(m, read.value().subject->membership_key, k.authority);
  } else if (read.value().pending && !k.invite.empty()) {
    ctx.want(m, k.invite, k.authority);  // unread yet: an invite's own key is the likelier one, read alongside
  }
}

}  // namespace mb
