// The JSON forms people read and write: requests (scenario files, the WASI --ndjson mode, the
// browser preview), effects and log records (the WASI command's output), worker variables. Field
// names live here only. The worker ABI speaks the frames of wasm/frames.h instead.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "exchange.h"

namespace mb {

// {"method","target","headers":[[name,value],...],"body_truncated":false[, "body": "..."]}
// The body may come separately (raw bytes, as the browser module takes it) or inside the JSON
// (scenario files).
bool request_from_json(const Json& j, Request& out);

Json effect_to_json(const Effect& e);
Json log_to_json(const LogRecord& log);
Vars vars_from_json(const Json& j);

}  // namespace mb
