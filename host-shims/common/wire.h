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

// An effect as one line of an effect trace (scenario files, the WASI command's MB_TRACE_EFFECTS):
// what it asks of which store or URL, never a value, header or key material. "kv_get test
// account:test:acct_1", "fetch POST https://origin.example.com/v1/...", "rate_limit key_test_1",
// "verify_signature RS256". effectLine in host-shims/workers/core.mjs writes the same lines.
std::string effect_line(const Effect& e);

// An origin answer as written down (the WASI command's /origin recordings, a scenario's scripted
// origin): {"status": 201, "body": text or JSON} or {"error": "timeout" | "refused" | "failed"}.
// Anything else is a failed outcome.
Outcome outcome_from_recording(const Json& j);

}  // namespace mb
