// Step 7 at the edge (docs/storage.md): the account, the workspace membership or the user by email, then
// the membership itself: 200 when an identical one exists (permissions compare as sets), 409 when
// it differs, else a new one written to KV and 201 only once the write succeeded. Under
// ROUTING=auto a live request the edge cannot answer with 200 goes to the origin instead.
#pragma once
#include <string>
#include <vector>

#include "result.h"

namespace mb {

bool same_permissions(std::vector<std::string> a, std::vector<std::string> b);

enum class Flow;
struct Context;
// Step 7 after the idempotency check: the origin (ROUTING=origin, or a JWT without account_ids
// where routing forwards) or the edge store.
Result<Flow> run_store(Context& ctx);
// The storage reads the edge will need, asked for in the same batch as the credential's own, so
// that with warm caches a replay is one read round (their values are used only after step 6).
void prefetch_storage(Context& ctx);

}  // namespace mb
