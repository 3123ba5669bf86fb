// HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530): the text that is signed and
// the header values, serialized byte for byte as the RFCs say. No key and no algorithm here (the
// signature itself is BearSSL's or the host's WebCrypto); RFC 9421 Appendix B and RFC 9530's
// examples are the unit tests (tests/unit/http_signature.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http.h"

namespace mb {

// A message as RFC 9421 §2 derives components from it.
struct SignedMessage {
  std::string method;     // @method
  std::string target;     // path and query as sent: @path, @query, @request-target
  std::string authority;  // @authority (lowercase host[:port])
  std::string scheme;     // @scheme
  int status = 0;         // @status (a response)
  Headers headers;        // the fields, as sent
};

// A signature parameter (RFC 9421 §2.3): an integer (created, expires) or a string.
struct SignatureParam {
  std::string name;
  std::variant<std::int64_t, std::string> value;
};

struct SignatureInput {
  std::vector<std::string> components;  // lowercase names: "@method", "content-digest", ...
  std::vector<SignatureParam> params;   // in the order they are serialized
};

// The value of "@signature-params" and of the label in Signature-Input:
// ("@method" "content-type");created=1618884473;keyid="k".
std::string signature_params(const SignatureInput& input);

// The component's value (RFC 9421 §2.1, §2.2): a field's values trimmed and joined with ", ";
// nullopt when the message lacks it (a signer must not cover it then).
std::optional<std::string> component_value(const SignedMessage& m, std::string_view name);

// The signature base (RFC 9421 §2.5): one line per covered component, then "@signature-params";
// nullopt when a covered component is missing.
std::optional<std::string> signature_base(const SignedMessage& m, const SignatureInput& input);

// RFC 9530: the Content-Digest field value with sha-256, "sha-256=:<base64>:".
std::string content_digest_sha256(std::string_view body);

// RFC 9651 serialization of the bare items the edge sends.
std::string sf_string(std::string_view ascii);         // "..." with \" and \\ (printable ASCII only)
std::string sf_display_string(std::string_view utf8);  // %"..." (any UTF-8, percent-encoded)
std::string sf_byte_sequence(std::string_view bytes);  // :<base64>:
bool sf_printable(std::string_view s);                 // only 0x20-0x7E: an sf-string may hold it
bool sf_key(std::string_view s);                       // a dictionary key: [a-z*][a-z0-9_\-.*]*

}  // namespace mb
