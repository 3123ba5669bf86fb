// The wasi:http component's fetch: an effect's request through wasi:http/outgoing-handler.
#pragma once
#include "effects.h"

namespace mb::wasi_http {

// Performs a fetch effect: its method, URL, headers and body; its timeout_ms as the connect,
// first-byte and between-bytes timeouts. Refused connections fail as refused, timeouts as
// timeout, anything else (a URL the runtime will not send, a broken stream, an answer over 8 MiB)
// as failed, with the reason in detail.
Outcome fetch(const Effect& e);

}  // namespace mb::wasi_http
