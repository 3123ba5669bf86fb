// W3C Trace Context: a valid traceparent (and its tracestate) goes on to the origin and its
// trace-id into the log line; an invalid one is dropped, never refused.
#pragma once
#include <optional>
#include <string>

#include "http.h"

namespace mb {

struct TraceContext {
  std::string traceparent;  // as received (trimmed)
  std::string tracestate;   // empty when absent or invalid (then it is not forwarded)
  std::string trace_id;     // the 32 hex digits
};

// nullopt when there is no traceparent, more than one, or it does not follow the format
// (W3C Trace Context §3.2: version, trace-id and parent-id not all zeros, flags).
std::optional<TraceContext> read_trace_context(const Headers& headers);

}  // namespace mb
