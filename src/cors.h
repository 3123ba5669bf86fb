// CORS (docs/api.md, "CORS"): CORS_ALLOWED_ORIGINS is "*" or a list. With a list, every response carries
// Vary: Origin (whether this origin is allowed or not), so a shared cache never serves one
// origin's answer to another. A preflight gets Access-Control-Allow-* headers only for an allowed
// origin asking for POST and headers from the allowed list.
#pragma once
#include "config.h"
#include "http.h"

namespace mb {

inline constexpr std::string_view kCorsAllowedHeaders = "Authorization, Content-Type, Idempotency-Key, X-Request-Id";

// Headers for any answer but a preflight.
void add_cors_headers(const Config& cfg, const Headers& request, Headers& response);
// Headers for the 204 answer to OPTIONS.
void add_preflight_headers(const Config& cfg, const Headers& request, Headers& response);

}  // namespace mb
