#include "authorization.h"

#include <algorithm>

#include "context.h"

namespace mb {

namespace {
bool every_account(const std::vector<std::string>& ids) { return ids.size() == 1 && ids[0] == "*"; }
}  // namespace

Status check_account_list(const std::vector<std::string>& ids) {
  bool has_wildcard = std::find(ids.begin(), ids.end(), "*") != ids.end();
  return has_wildcard && !every_account(ids) ? Status(Error::invalid_account_list) : Status();
}

Status authorize(const Grant& g, std::string_view account_id, bool forwards) {
  if (!g.has_required_scope) return Error::missing_scope;
  if (!g.has_account_list) return forwards ? Status() : Status(Error::account_not_granted);
  bool listed = every_account(g.account_ids) ||
                std::find(g.account_ids.begin(), g.account_ids.end(), account_id) != g.account_ids.end();
  return listed ? Status() : Status(Error::account_not_granted);
}

bool routing_forwards(const Context& ctx) { return ctx.cfg.routing == Routing::origin || ctx.auto_live(); }

Result<Flow> run_authorization(Context& ctx) {
  MB_TRY(authorize(*ctx.grant, ctx.request().account_id, routing_forwards(ctx)));
  return Flow::next;
}

}  // namespace mb
