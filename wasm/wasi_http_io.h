// Byte streams and header fields of the wasi:http component, over wasm/wasi_http_abi.h: what its
// incoming side (wasm/wasi_http_entry.cpp) and outgoing side (wasm/wasi_http_fetch.cpp) share.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "http.h"
#include "wasi_http_abi.h"

namespace mb::wasi_http {

// Frees a list or string the runtime handed over (through cabi_realloc). Empty ones were never
// allocated (cabi_realloc answers a size of 0 with a static address), so they are not freed.
void release(void* list, std::size_t len);

// Reads a stream until it closes, keeping at most `limit` bytes; `truncated` when there was more
// (the rest is left unread). false when the stream failed before its end.
bool read_all(wh_handle stream, std::size_t limit, std::string& out, bool& truncated);

// Writes all of `bytes` (in the 4096-byte pieces blocking-write-and-flush takes). false on failure.
bool write_all(wh_handle stream, std::string_view bytes);

// The entries of a fields resource (borrowed; the caller drops it).
Headers headers_of(wh_handle fields);

// A new fields resource holding `headers`. A header the runtime refuses (wasi:http forbids
// Connection, Keep-Alive and Host, which the runtime sets itself) is left out and named in
// `refused`.
wh_handle fields_of(const Headers& headers, std::string& refused);

// The name of a wasi:http method variant ("POST"; other methods as sent, upper-cased).
std::string method_name(const wh_tagged_string& method);

}  // namespace mb::wasi_http
