// The one ABI of the worker module (dist/worker/membership.wasm). With wasm/wasi_http_abi.h (the
// wasi:http component's canonical-ABI imports and export), the only files with extern "C" and
// export_name attributes.
//
// Bytes cross as (pointer, length) in linear memory: the host allocates with mb_alloc, writes,
// calls, and frees with mb_free. The request metadata, the outcomes and the steps are the flat
// frames of wasm/frames.h (length-prefixed, nothing escaped); the configuration is a JSON object
// of strings (once per instance). One Exchange per handle, so many requests can be in flight in
// one instance.
//
//   mb_configure(vars_json)      once per instance; 0 = ok, 1 = configuration error (every request
//                                is then answered 500 naming the variable)
//   mb_max_rounds()              the bound of the host's driver loop (kMaxRounds)
//   h = mb_begin(request frame, body, now_ms, random)   0 = out of memory / unreadable frame
//   mb_step_ptr(h), mb_step_len(h)              the current step frame (a final one holds the body)
//   mb_resume(h, outcomes frame, now_ms)        0 = ok, 1 = unreadable frame (then as if every effect failed)
//   mb_end(h)                                   frees the exchange
//   mb_debug_trap()              traps, as a broken invariant would: the glue calls it for the
//                                test fault FAULTS=trap:next (fault injection is the host's alone)
#pragma once
#include <stdint.h>

#define MB_ABI_VERSION 5
#define MB_EXPORT(name) __attribute__((export_name(name)))

// Imports. The core is sans-IO, so the module imports nothing; libc++abi's one printing abort path
// is replaced by a trap (abort_message below), so wasi-libc's stdio is not linked either.
// tests/wasm/abi.test.mjs checks that the module's real import list is exactly this one (empty).
// Format: one MB_IMPORT(module, name) a line.
#define MB_IMPORTS(MB_IMPORT)

#ifdef __cplusplus
extern "C" {
#endif

MB_EXPORT("mb_abi_version_5") void mb_abi_version_5(void);  // marker: the ABI this module speaks
MB_EXPORT("mb_alloc") void* mb_alloc(uint32_t size);
MB_EXPORT("mb_free") void mb_free(void* ptr);
MB_EXPORT("mb_configure") uint32_t mb_configure(const char* vars_json, uint32_t len);
MB_EXPORT("mb_max_body_bytes") uint32_t mb_max_body_bytes(void);
MB_EXPORT("mb_max_rounds") uint32_t mb_max_rounds(void);
MB_EXPORT("mb_debug_trap") void mb_debug_trap(void);
MB_EXPORT("mb_begin")
uint32_t mb_begin(const char* request_frame, uint32_t request_len, const char* body, uint32_t body_len, double now_ms,
                  const char* random, uint32_t random_len);
MB_EXPORT("mb_resume") uint32_t mb_resume(uint32_t handle, const char* outcomes_frame, uint32_t len, double now_ms);
MB_EXPORT("mb_step_ptr") const char* mb_step_ptr(uint32_t handle);
MB_EXPORT("mb_step_len") uint32_t mb_step_len(uint32_t handle);
MB_EXPORT("mb_end") void mb_end(uint32_t handle);

// Not exports: libc++abi's hooks for a pure virtual call and for the abort message of its
// type-info support, which worker_entry.cpp replace with a trap (libc++abi's own print through
// stdio first: printf and stdio, ~6 KB gzipped of the module). Declared here, the one place for C
// linkage.
void __cxa_pure_virtual(void);
void abort_message(const char* format, ...) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif
