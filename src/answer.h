// What an exchange decides: the answer and the log line that goes with it.
#pragma once
#include <string>
#include <string_view>

#include "http.h"

namespace mb {

struct LogRecord {
  std::string request_id, credential_id, mode;
  std::string route = "none";  // edge | origin | none
  int status = 0, code = 0;
  bool replayed = false;
  std::string trace_id;  // a valid traceparent's trace-id (W3C Trace Context)
};

enum class AnswerSource { edge, origin };

struct Answer {
  int status = 0;
  std::string body;
  Headers headers;
  AnswerSource source = AnswerSource::edge;
  std::string_view content_type = "application/json";
  std::string envelope;  // problem details: the same error as an envelope (what a replay repeats)
};

}  // namespace mb
