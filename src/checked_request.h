// The request as step 3 leaves it: the body read and normalized, and its Idempotency-Key.
#pragma once
#include <string>

#include "body.h"

namespace mb {

struct CheckedRequest {
  NormalizedRequest request;
  std::string idempotency_key;  // empty when the header is absent
};
}  // namespace mb
