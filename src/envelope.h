// The answer shapes of the API (seed page): the success and error envelopes, byte-exact.
// Every JSON field name of an envelope is spelled here and nowhere else in the core.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "errors.h"
#include "strict_json.h"
#include "validation.h"

namespace mb {

// {"message":"success","success":true,"data":<data>}
std::string success_envelope(const Json& data);
// The same around data already serialised by dump() (the record just written is the data).
std::string success_envelope_text(std::string_view data_json);
// {"message":m,"success":false,"error":{"code":c,"message":m,"details":<details>}}
std::string error_envelope(Error e, const Json& details = Json::object());
// details for a 422: {"errors":[{"field","reason","message"}...]}
Json field_error_details(const std::vector<FieldError>& errors);

}  // namespace mb
