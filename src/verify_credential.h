// Step 4: the credential verified. An API key by its KV record (apikey:<sha256 of the key>); a
// JWT by its signature and claims (verify_jwt.h). Either way the result is the Grant that steps
// 5-7 use.
#pragma once
#include <cstdint>

#include "result.h"

namespace mb {

struct ApiKeyRecord;
struct Credential;
struct Grant;

// The record against the key string: type and mode must match it (401), then not revoked, not
// expired.
Result<Grant> check_api_key(const ApiKeyRecord& rec, const Credential& cred, std::int64_t now_ms);

enum class Flow;
struct Context;
Result<Flow> run_verify_credential(Context& ctx);

}  // namespace mb
