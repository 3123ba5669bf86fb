// RFC 3339 timestamps (UTC, whole seconds) without touching a clock: time always comes from the host.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mb {

std::string format_rfc3339(std::int64_t unix_seconds);  // 2026-11-28T03:07:00Z
std::optional<std::int64_t> parse_rfc3339(std::string_view s);

}  // namespace mb
