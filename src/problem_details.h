// The two shapes of an error answer: the envelope (every client, byte-for-byte as always) and, when
// the request's Accept prefers it, RFC 9457 problem details (application/problem+json).
#pragma once
#include <string>
#include <string_view>

#include "http.h"
#include "result.h"

namespace mb {

// `type` of a problem: this base and the error code, an anchor of docs/errors.md.
inline constexpr std::string_view kProblemTypeBase = "https://membership-edge.example/docs/errors.md#";
inline constexpr std::string_view kProblemContentType = "application/problem+json";

// True when Accept gives application/problem+json a higher q-value than application/json (RFC 9110
// §12.5.1: the most specific matching range sets a type's q; q=0 excludes; a tie keeps the envelope).
bool prefers_problem_details(const Headers& request_headers);

// The body of an error answer: the envelope, or problem details whose `instance` is the request id:
// {"type","title","status","detail","instance","code"} and, for field errors, "errors" (each with
// a JSON Pointer) and "more_errors"; other details (existing_permissions) as extension members.
std::string error_body(const Problem& p, bool problem_json, std::string_view instance);

}  // namespace mb
