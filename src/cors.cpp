#include "cors.h"

#include <algorithm>

namespace mb {

namespace {

// The Access-Control-Allow-Origin value for this request, or nullopt when its origin is not allowed.
std::optional<std::string> allowed_origin(const Config& cfg, const Headers& request) {
  auto origin = header(request, "origin");
  if (!origin) return std::nullopt;
  if (cfg.cors_any_origin) return std::string("*");
  bool listed = std::find(cfg.cors_allowed_origins.begin(), cfg.cors_allowed_origins.end(), *origin) !=
                cfg.cors_allowed_origins.end();
  return listed ? std::optional<std::string>(std::string(*origin)) : std::nullopt;
}

void add_vary(const Config& cfg, Headers& response) {
  if (!cfg.cors_allowed_origins.empty() && !cfg.cors_any_origin) response.emplace_back("Vary", "Origin");
}

// Every header the preflight asks for is one of kCorsAllowedHeaders (names compare case-insensitively).
bool headers_allowed(std::string_view requested) {
  while (!requested.empty()) {
    std::size_t comma = requested.find(',');
    std::string_view name = trim(requested.substr(0, comma));
    if (!name.empty()) {
      bool known = false;
      std::string_view allowed = kCorsAllowedHeaders;
      while (!allowed.empty() && !known) {
        std::size_t c = allowed.find(',');
        known = iequals(trim(allowed.substr(0, c)), name);
        if (c == std::string_view::npos) break;
        allowed.remove_prefix(c + 1);
      }
      if (!known) return false;
    }
    if (comma == std::string_view::npos) break;
    requested.remove_prefix(comma + 1);
  }
  return true;
}

}  // namespace

void add_cors_headers(const Config& cfg, const Headers& request, Headers& response) {
  if (auto origin = allowed_origin(cfg, request)) {
    response.emplace_back("Access-Control-Allow-Origin", *origin);
    response.emplace_back("Access-Control-Expose-Headers",
                          "X-Request-Id, Idempotent-Replayed, Retry-After, RateLimit, RateLimit-Policy");
  }
  add_vary(cfg, response);
}

void add_preflight_headers(const Config& cfg, const Headers& request, Headers& response) {
  auto origin = allowed_origin(cfg, request);
  auto method = header(request, "access-control-request-method");
  auto asked = header(request, "access-control-request-headers");
  if (origin && (!method || trim(*method) == "POST") && (!asked || headers_allowed(*asked))) {
    response.emplace_back("Access-Control-Allow-Origin", *origin);
    response.emplace_back("Access-Control-Allow-Methods", "POST, OPTIONS");
    response.emplace_back("Access-Control-Allow-Headers", std::string(kCorsAllowedHeaders));
    response.emplace_back("Access-Control-Max-Age", "600");
  }
  if (!origin) response.emplace_back("Allow", "POST, OPTIONS");
  add_vary(cfg, response);
}

}  // namespace mb
