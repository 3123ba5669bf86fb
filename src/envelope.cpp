#include "envelope.h"

#include "json_writer.h"

namespace mb {

std::string success_envelope(std::string_view data_json) {
  constexpr std::string_view head = R"({"message":"success","success":true,"data":)";
  std::string out;
  out.reserve(head.size() + data_json.size() + 1);
  out.append(head).append(data_json).push_back('}');
  return out;
}

std::string error_envelope(Error e, std::string_view details_json) {
  const ErrorInfo& row = info(e);
  json::Writer w;
  w.reserve(96 + 2 * row.message.size() + details_json.size());
  w.begin_object();
  w.key("message").string(row.message);
  w.key("success").boolean(false);
  w.key("error").begin_object();
  w.key("code").integer(row.code);
  w.key("message").string(row.message);
  w.key("details").raw(details_json.empty() ? "{}" : details_json);
  w.end_object();
  w.end_object();
  return w.take();
}

std::string field_error_details(const std::vector<FieldError>& errors, std::size_t more_errors) {
  json::Writer w;
  w.begin_object();
  w.key("errors").begin_array();
  for (const FieldError& fe : errors) {
    w.begin_object();
    w.key("field").string(fe.field);
    w.key("reason").string(fe.reason);
    w.key("message").string(fe.message);
    w.end_object();
  }
  w.end_array();
  if (more_errors) w.key("more_errors").integer(static_cast<std::int64_t>(more_errors));
  w.end_object();
  return w.take();
}

}  // namespace mb
