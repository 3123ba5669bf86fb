#include "authorization.h"

#include <algorithm>

#include "context.h"

namespace mb {

Status authorize(const Grant& g, std::string_view account_id, bool forwards) {
  if (!g.has_required_scope) return Error::missing_scope;
  if (!g.has_account_list) return forwards ? Status() : Status(Error::account_not_granted);
  bool listed = std::any_of(g.account_ids.begin(), g.account_ids.end(),
                            [&](const std::string& id) { return id == "*" || id == account_id; });
  return listed ? Status() : Status(Error::account_not_granted);
}

bool routing_forwards(const Context& ctx) { return ctx.cfg.routing == Routing::origin || ctx.auto_live(); }

Result<Flow> run_authorization(Context& ctx) {
  MB_TRY(authorize(*ctx.grant, ctx.request().account_id, routing_forwards(ctx)));
  return Flow::next;
}

}  // namespace mb
