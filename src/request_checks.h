// The request's own checks (docs/api.md, "Order of checks", steps 1 and 3), needing neither a credential nor storage:
// header limits, route and method, then media type, size, query, Idempotency-Key and body.
#pragma once
#include <string>
#include <string_view>

#include "checked_request.h"
#include "config.h"
#include "http.h"
#include "result.h"

namespace mb {

inline constexpr std::size_t kMaxRequestHeaders = 256;
inline constexpr std::size_t kMaxRequestHeaderBytes = 32 * 1024;  // names and values
inline constexpr std::size_t kMaxIdempotencyKeyChars = 255;
inline constexpr std::string_view kEndpointPath = "/v1/account-memberships/";  // also without the slash
inline constexpr std::string_view kConfigPath = "/preview/config.json";
inline constexpr std::string_view kSignaturesDirectoryPath = "/.well-known/http-message-signatures-directory";
inline constexpr std::string_view kSignaturesDirectoryType = "application/http-message-signatures-directory+json";

// Step 1, before anything else is read: 431 for more than 256 headers or 32 KiB of them.
Status check_header_limits(const Headers& headers);

enum class Route { endpoint, preflight, config, signatures_directory };
// Step 1: the endpoint (POST), its preflight (OPTIONS), the preview's settings and the forward
// signing keys (GET/HEAD); otherwise 404, or 405 with Allow.
Result<Route> route(const Request& req);

// Step 3, in this order: 415 Content-Type, 413 size (a Content-Length that is not a plain decimal
// number is 400), 400 query, 400 Idempotency-Key, 400 JSON, 422 fields.
Result<CheckedRequest> check_request(const Request& req, const Config& cfg);

bool valid_account_id(std::string_view id);  // 1-128 of [A-Za-z0-9_-]

enum class Flow;
struct Context;
// Step 1 as a stage: header limits, a configuration error (500 naming the variable in the log),
// then the route; the preflight, the preview's settings and the signing keys are answered here.
Result<Flow> run_route(Context& ctx);
// Step 3 as a stage.
Result<Flow> run_request_checks(Context& ctx);

}  // namespace mb
