// A forward to the origin built but not sent yet: it waits for the host's signature (origin.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "effects.h"

namespace mb {

// A forward built but not sent yet: it waits for the host's signature (the sign effect).
struct ForwardDraft {
  struct Signature {
    std::string label;   // "edge" or "edge-hmac"
    std::string params;  // its Signature-Input member value: ("@method" ...);created=...
    std::string base;    // the signature base (RFC 9421 §2.5)
    std::string bytes;   // the signature, once made
  };
  Effect fetch;  // every header but Signature-Input and Signature
  std::vector<Signature> signatures;
  std::uint32_t sign_effect = 0;
};

}  // namespace mb
