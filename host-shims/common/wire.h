// The JSON forms people read and write: requests (scenario files, the WASI --ndjson mode, the
// browser preview), effects (the WASI command's origin recordings, redacted) and log records.
// The worker ABI speaks the frames of wasm/frames.h instead.
#pragma once
#include <string>

#include "exchange.h"
#include "json_dom.h"

namespace mb {

// {"method","target","headers":[[name,value],...] or {name: value},"body_truncated"[, "body"]}
bool request_from_json(const Json& j, Request& out);

// An effect as a log or a recording shows it. The Authorization header is redacted: no
// credential is ever written down in clear.
Json effect_to_json(const Effect& e);
// A request's log line, as the worker writes it: {"level":"info","request_id":…}.
Json log_to_json(const LogRecord& log);

}  // namespace mb
