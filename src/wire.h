// The JSON messages that cross a host boundary (the worker ABI, scenario files, the WASI
// --ndjson mode): requests in, steps out, outcomes in. Field names live here only.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "exchange.h"

namespace mb {

// {"method","target","headers":[[name,value],...],"body_truncated":false[, "body": "..."]}
// The body may come separately (raw bytes through the ABI) or inside the JSON (scenario files).
bool request_from_json(const Json& j, Request& out);
Json request_to_json(const Request& r);

Json effect_to_json(const Effect& e);
bool effect_from_json(const Json& j, Effect& out);
// {"done":true,"status","headers","body","background":[...],"log":{...},"notices":[...]}
// or {"done":false,"effects":[...],"notices":[...]}. Without the body when `with_body` is false
// (the worker ABI hands the body over as raw bytes: no escaping here, no unescaping in JS).
Json step_to_json(const Step& s, bool with_body = true);
// [{"id":1,"ok":true,"value":"..."|null}, {"id":2,"ok":true,"status":200,"headers":[...],"body":"..."},
//  {"id":3,"ok":false,"error":"timeout"}, {"id":4,"ok":true,"allowed":false}]
bool outcomes_from_json(std::string_view text, std::vector<Outcome>& out);
Json outcome_to_json(const Outcome& o);
Json log_to_json(const LogRecord& log);
Vars vars_from_json(const Json& j);

}  // namespace mb
