// The answer shapes of the API: the success and error envelopes, byte-exact. Every JSON field
// name of an envelope is spelled here and nowhere else in the core.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "errors.h"

namespace mb {

// {"message":"success","success":true,"data":<data>}, data already JSON text.
std::string success_envelope(std::string_view data_json);
// {"message":m,"success":false,"error":{"code":c,"message":m,"details":<details>}}
std::string error_envelope(Error e, std::string_view details_json = "{}");

struct FieldError {
  std::string field;  // the JSON name as sent (bounded), with an index for array items
  std::string_view reason;
  std::string_view message;
  std::string pointer;  // RFC 6901 pointer into the body; empty: the top-level member `field`
};
inline constexpr std::size_t kMaxListedFieldErrors = 100;

// details for a 422: {"errors":[{"field","reason","message"}...]} plus, when errors were left
// out, "more_errors": how many.
std::string field_error_details(const std::vector<FieldError>& errors, std::size_t more_errors = 0);

}  // namespace mb
