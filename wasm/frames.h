// The byte layout of the worker ABI's messages (wasm/abi.h): flat, length-prefixed records
// instead of JSON, so no value is escaped, unescaped or re-parsed at the boundary. KV values,
// fetch bodies and the response body cross as they are. host-shims/workers/core.mjs is the
// JS side of the same layout; tests/wasm/abi.test.mjs checks both against each other.
//
// Every integer is a little-endian u32; a string is a u32 byte count then the bytes; headers are
// a u32 count then that many (name, value) string pairs.
//
//   request   flags (bit 0: body truncated) · method · target · headers
//   outcomes  count, then per outcome:
//             id · flags (bit 0 has value, bit 1 allowed, bit 2 valid) · status · failure (0 none,
//             1 timeout, 2 refused, 3 failed, 4 missing) · detail · value · headers · body · signature
//             (flags bit 3: created, for kv_put_if_absent and kv_claim; its value is then what was there;
//             signature: the bytes a sign effect produced)
//   step      done (0 or 1), then
//             done: status · headers · body · count + background effects · log · count + notices
//             not done: count + effects · count + notices
//   effect    id · kind (0 kv_get, 1 kv_put, 2 fetch, 3 rate_limit, 4 verify_signature,
//             5 kv_put_if_absent, 6 sign, 7 kv_claim, 8 kv_release) · store · key · value · ttl · method · url ·
//             headers · body · timeout_ms · scope · alg · jwk · signed_data · signature (verify_signature: alg, the
//             public JWK, the signed bytes and the signature; sign: alg, the private JWK and the bytes to sign)
//   log       request_id · status · code · credential_id · mode · route · replayed (0 or 1) · trace_id
//
// Readers reject anything that does not end exactly where the layout says (short, long, or a
// count larger than the bytes left could hold). The request's headers are not limited in number
// here: the core answers more than 256 with 431.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "exchange.h"

namespace mb::frames {

bool read_request(std::string_view bytes, Request& out);  // the body is not in the frame
bool read_outcomes(std::string_view bytes, std::vector<Outcome>& out);
void write_step(const Step& step, std::string& out);

// The host's side, for native tests and benchmarks.
std::string write_request(const Request& req);
std::string write_outcomes(const std::vector<Outcome>& outcomes);
bool read_step(std::string_view bytes, Step& out);

}  // namespace mb::frames
