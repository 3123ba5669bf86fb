// What the browser preview shows (docs/preview.md): the verdict of every check that needs neither storage
// nor a signature (steps 1-3, the credential's classification and shape), from the same code the
// edge runs. A missing credential is not an error here: the preview says one is needed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "errors.h"

#include "config.h"
#include "http.h"

namespace mb {

struct Preview {
  int status = 0;            // what the edge would answer, when it would refuse the request
  std::string body;          // that answer's body: the envelope, or problem details when Accept asks
  std::string content_type;  // that answer's Content-Type
  bool accepted = false;     // passes every check that needs no storage
  bool credential_present = false;
  std::string credential_kind, credential_mode;  // "" when absent
  std::string normalized;                        // the normalized body (JSON), when accepted
  std::string jwt_payload;                       // a JWT's payload (JSON text), decoded, NOT verified
  std::optional<Error> jwt_time_error;           // what its exp/nbf/iat say at now_ms (not verified)
};
Preview preview(const Request& req, const Config& cfg, std::int64_t now_ms);

// GET /preview/config.json: the settings the preview needs to judge as the edge does.
std::string config_document(const Config& cfg);

}  // namespace mb
