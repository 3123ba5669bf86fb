// The second ABI header, of wasm/abi.h's family: the wasi:http component's (dist/wasi-http/
// membership-http.wasm) raw canonical-ABI imports and its one export, written by hand from the WIT
// jco ships (wasi:http@0.2.12, world wasi:http/proxy; wasm/wit/world.wit). With wasm/abi.h, the
// only files with extern "C", import_module/import_name and export_name attributes.
//
// The canonical ABI, as used here (32-bit linear memory, UTF-8 strings):
//   - a resource is an i32 handle; "own" handles passed to an import move into it, "own" handles
//     returned are ours to drop with the matching [resource-drop]; "borrow" ones are not.
//   - a string or list<u8> is (pointer, length); lists the host returns are allocated through our
//     cabi_realloc export (malloc'd: the caller frees them with free()).
//   - a result that does not fit in one i32 is written to a return area the caller passes last;
//     its layout is the struct or offsets named next to each import. A result<_, _> returned as an
//     i32 is 0 = ok, 1 = err.
//   - parameters flatten in order; option<T> is (is_some, T...), result<T, E> is (is_err, joined
//     payload...), as the core module's types must match the WIT's lowering exactly: `jco new`
//     checks every signature against the embedded world and refuses a mismatch.
#pragma once
#include <stddef.h>
#include <stdint.h>

#define WH_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define WH_TYPES(name) WH_IMPORT("wasi:http/types@0.2.12", name)
#define WH_STREAMS(name) WH_IMPORT("wasi:io/streams@0.2.12", name)

typedef int32_t wh_handle;

// result<own<T>> and result<own<T>, header-error> (header-error is a u8 enum): is_err at 0, the
// handle (or the error's case) at 4.
typedef struct {
  uint8_t is_err;
  int32_t value;
} wh_result_handle;

// option<string>, and the `method` variant (tag: 0 get, 1 head, 2 post, 3 put, 4 delete,
// 5 connect, 6 options, 7 trace, 8 patch, 9 other(string) with the string).
typedef struct {
  uint8_t tag;
  char* ptr;
  size_t len;
} wh_tagged_string;

// result<list<u8>, stream-error> of input-stream reads: is_err at 0; ok: the list at 4;
// err: stream-error's case at 4 (0 last-operation-failed(own<error>, the handle at 8), 1 closed).
typedef struct {
  uint8_t is_err;
  union {
    struct {
      uint8_t* ptr;
      size_t len;
    } bytes;
    struct {
      uint8_t closed;
      wh_handle error;
    } error;
  } u;
} wh_read_result;

// result<_, stream-error> of output-stream writes: is_err at 0, stream-error as above at 4.
typedef struct {
  uint8_t is_err;
  struct {
    uint8_t closed;
    wh_handle error;
  } error;
} wh_write_result;

// list<tuple<field-name, field-value>>: an array of these at ptr.
typedef struct {
  char* name;
  size_t name_len;
  uint8_t* value;
  size_t value_len;
} wh_field;
typedef struct {
  wh_field* ptr;
  size_t len;
} wh_fields_list;

// error-code (a variant with u64 payloads, so 8-aligned): its case at 0. The cases this host tells
// apart: 0 DNS-timeout, 6 connection-refused, 7 connection-terminated, 8 connection-timeout,
// 9 connection-read-timeout, 33 HTTP-response-timeout, 38 internal-error(option<string>).
// Return areas holding one are 8-aligned; the offsets are given at each import.
enum {
  WH_ERR_DNS_TIMEOUT = 0,
  WH_ERR_CONNECTION_REFUSED = 6,
  WH_ERR_CONNECTION_TERMINATED = 7,
  WH_ERR_CONNECTION_TIMEOUT = 8,
  WH_ERR_CONNECTION_READ_TIMEOUT = 9,
  WH_ERR_HTTP_RESPONSE_TIMEOUT = 33,
};
typedef struct {
  alignas(8) uint8_t bytes[64];
} wh_ret_area;

#ifdef __cplusplus
extern "C" {
#endif

// --- the export -------------------------------------------------------------------------------
// wasi:http/incoming-handler.handle(own<incoming-request>, own<response-outparam>): the host calls
// it once per request; it must call response-outparam.set exactly once.
__attribute__((export_name("wasi:http/incoming-handler@0.2.12#handle"))) void wh_incoming_handle(
    wh_handle request, wh_handle response_out);
// The canonical ABI's allocator for lists and strings the host hands us (malloc/realloc).
__attribute__((export_name("cabi_realloc"))) void* cabi_realloc(void* old, size_t old_size, size_t align,
                                                                size_t new_size);

// --- wasi:http/types: fields (headers) ----------------------------------------------------------
WH_TYPES("[constructor]fields") wh_handle wh_fields_new(void);
// append(name, value) -> result<_, header-error>: ret is_err at 0 (invalid-syntax, forbidden or
// immutable: the case at 1).
WH_TYPES("[method]fields.append")
void wh_fields_append(wh_handle fields, const char* name, size_t name_len, const uint8_t* value, size_t value_len,
                      uint8_t* ret /* 2 bytes */);
WH_TYPES("[method]fields.entries") void wh_fields_entries(wh_handle fields, wh_fields_list* ret);
WH_TYPES("[resource-drop]fields") void wh_fields_drop(wh_handle fields);

// --- incoming request (ours to read) --------------------------------------------------------------
WH_TYPES("[method]incoming-request.method") void wh_incoming_request_method(wh_handle req, wh_tagged_string* ret);
// path-with-query and authority: option<string> (tag 1 = some).
WH_TYPES("[method]incoming-request.path-with-query")
void wh_incoming_request_path_with_query(wh_handle req, wh_tagged_string* ret);
WH_TYPES("[method]incoming-request.authority")
void wh_incoming_request_authority(wh_handle req, wh_tagged_string* ret);
WH_TYPES("[method]incoming-request.headers") wh_handle wh_incoming_request_headers(wh_handle req);  // own, immutable
// consume() -> result<own<incoming-body>>: fails when called twice.
WH_TYPES("[method]incoming-request.consume") void wh_incoming_request_consume(wh_handle req, wh_result_handle* ret);
WH_TYPES("[resource-drop]incoming-request") void wh_incoming_request_drop(wh_handle req);
// stream() -> result<own<input-stream>>: the body's bytes; drop the stream before the body.
WH_TYPES("[method]incoming-body.stream") void wh_incoming_body_stream(wh_handle body, wh_result_handle* ret);
WH_TYPES("[resource-drop]incoming-body") void wh_incoming_body_drop(wh_handle body);

// --- outgoing response (ours to answer) ---------------------------------------------------------
// Takes ownership of the headers.
WH_TYPES("[constructor]outgoing-response") wh_handle wh_outgoing_response_new(wh_handle headers);
// -> result: 0 ok, 1 err (not a valid status).
WH_TYPES("[method]outgoing-response.set-status-code")
uint32_t wh_outgoing_response_set_status_code(wh_handle resp, uint32_t status);
// body() -> result<own<outgoing-body>>: only once.
WH_TYPES("[method]outgoing-response.body") void wh_outgoing_response_body(wh_handle resp, wh_result_handle* ret);
// write() -> result<own<output-stream>>: only once; drop the stream before finishing the body.
WH_TYPES("[method]outgoing-body.write") void wh_outgoing_body_write(wh_handle body, wh_result_handle* ret);
// finish(own<outgoing-body>, option<own<trailers>>) -> result<_, error-code>: ret is_err at 0,
// error-code at 8.
WH_TYPES("[static]outgoing-body.finish")
void wh_outgoing_body_finish(wh_handle body, uint32_t has_trailers, wh_handle trailers, wh_ret_area* ret);
// set(own<response-outparam>, result<own<outgoing-response>, error-code>), flattened: is_err, then
// error-code's joined payload slots (i32 case-or-handle, i32, i64, i32, i32, i32, i32). This host
// only ever sends ok: (0, response, 0, 0, 0, 0, 0, 0).
WH_TYPES("[static]response-outparam.set")
void wh_response_outparam_set(wh_handle out, uint32_t is_err, wh_handle response, int32_t p1, int64_t p2, int32_t p3,
                              int32_t p4, int32_t p5, int32_t p6);

// --- outgoing request (the origin and JWKS fetches) ---------------------------------------------
WH_TYPES("[constructor]outgoing-request") wh_handle wh_outgoing_request_new(wh_handle headers);  // owns headers
WH_TYPES("[method]outgoing-request.body") void wh_outgoing_request_body(wh_handle req, wh_result_handle* ret);
// The setters return result: 0 ok, 1 err (invalid value). Method: the `method` tag above (9 =
// other, with the string); scheme: option<scheme> (is_some, tag 0 HTTP / 1 HTTPS / 2 other(string));
// path-with-query and authority: option<string>.
WH_TYPES("[method]outgoing-request.set-method")
uint32_t wh_outgoing_request_set_method(wh_handle req, uint32_t tag, const char* other, size_t other_len);
WH_TYPES("[method]outgoing-request.set-scheme")
uint32_t wh_outgoing_request_set_scheme(wh_handle req, uint32_t is_some, uint32_t tag, const char* other,
                                        size_t other_len);
WH_TYPES("[method]outgoing-request.set-authority")
uint32_t wh_outgoing_request_set_authority(wh_handle req, uint32_t is_some, const char* s, size_t len);
WH_TYPES("[method]outgoing-request.set-path-with-query")
uint32_t wh_outgoing_request_set_path_with_query(wh_handle req, uint32_t is_some, const char* s, size_t len);
WH_TYPES("[resource-drop]outgoing-request") void wh_outgoing_request_drop(wh_handle req);
// request-options: timeouts in nanoseconds (option<duration>); setters: 0 ok, 1 err (unsupported).
WH_TYPES("[constructor]request-options") wh_handle wh_request_options_new(void);
WH_TYPES("[method]request-options.set-connect-timeout")
uint32_t wh_request_options_set_connect_timeout(wh_handle opts, uint32_t is_some, uint64_t ns);
WH_TYPES("[method]request-options.set-first-byte-timeout")
uint32_t wh_request_options_set_first_byte_timeout(wh_handle opts, uint32_t is_some, uint64_t ns);
WH_TYPES("[method]request-options.set-between-bytes-timeout")
uint32_t wh_request_options_set_between_bytes_timeout(wh_handle opts, uint32_t is_some, uint64_t ns);
// wasi:http/outgoing-handler.handle(own<outgoing-request>, option<own<request-options>>) ->
// result<own<future-incoming-response>, error-code>: ret is_err at 0; the handle (ok) or the
// error-code (err) at 8.
WH_IMPORT("wasi:http/outgoing-handler@0.2.12", "handle")
void wh_outgoing_handle(wh_handle req, uint32_t has_options, wh_handle options, wh_ret_area* ret);
WH_TYPES("[method]future-incoming-response.subscribe")
wh_handle wh_future_incoming_response_subscribe(wh_handle f);  // own<pollable>
// get() -> option<result<result<own<incoming-response>, error-code>>>: is_some at 0; the outer
// result's is_err at 8 (err: already taken); the inner result's is_err at 16; the handle or the
// error-code at 24.
WH_TYPES("[method]future-incoming-response.get") void wh_future_incoming_response_get(wh_handle f, wh_ret_area* ret);
WH_TYPES("[resource-drop]future-incoming-response") void wh_future_incoming_response_drop(wh_handle f);
WH_TYPES("[method]incoming-response.status") uint32_t wh_incoming_response_status(wh_handle resp);
WH_TYPES("[method]incoming-response.headers") wh_handle wh_incoming_response_headers(wh_handle resp);  // own
WH_TYPES("[method]incoming-response.consume") void wh_incoming_response_consume(wh_handle resp, wh_result_handle* ret);
WH_TYPES("[resource-drop]incoming-response") void wh_incoming_response_drop(wh_handle resp);

// --- wasi:io ------------------------------------------------------------------------------------
// blocking-read(len) -> result<list<u8>, stream-error>: at least one byte, or an error (closed at
// the end of the body).
WH_STREAMS("[method]input-stream.blocking-read")
void wh_input_stream_blocking_read(wh_handle s, uint64_t len, wh_read_result* ret);
WH_STREAMS("[resource-drop]input-stream") void wh_input_stream_drop(wh_handle s);
// blocking-write-and-flush(list<u8>) -> result<_, stream-error>: at most 4096 bytes a call.
WH_STREAMS("[method]output-stream.blocking-write-and-flush")
void wh_output_stream_blocking_write_and_flush(wh_handle s, const uint8_t* bytes, size_t len, wh_write_result* ret);
WH_STREAMS("[resource-drop]output-stream") void wh_output_stream_drop(wh_handle s);
WH_IMPORT("wasi:io/poll@0.2.12", "[method]pollable.block") void wh_pollable_block(wh_handle p);
WH_IMPORT("wasi:io/poll@0.2.12", "[resource-drop]pollable") void wh_pollable_drop(wh_handle p);
WH_IMPORT("wasi:io/error@0.2.12", "[resource-drop]error") void wh_io_error_drop(wh_handle e);

#ifdef __cplusplus
}
#endif
