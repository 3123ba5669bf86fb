# WASI builds: the worker reactor and the wasmtime command.
# Size first (-Oz, and clang's driver hands -Oz to wasm-opt after linking), speed where a request's
# time goes most: the JSON reader (nlohmann's lexer inside the SAX reader) at -O2. The stage logic
# runs once per request and at -O2 was mostly inlined std::string code: on 11-30 -Oz took the
# module from ~125 to ~96 KB gzipped (budget: at most 100 KB) for a few percent of CPU
# (docs/benchmarks.md). On 12-04 the new modules (forward signing, problem details, rate-limit
# fields, trace context, claims) brought it to ~115 KB: the JSON writer, the KV layout, the frames
# and wasm/worker_entry.cpp went to -Oz as well, and most of BearSSL (below); the CPU gates of
# tests/wasm/budgets.test.mjs hold the per-request cost. NDEBUG: no nlohmann invariant asserts.
set(CMAKE_C_FLAGS_RELEASE "-Oz -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE "-Oz -DNDEBUG")
set_source_files_properties(
  src/json_reader.cpp
  PROPERTIES COMPILE_OPTIONS "-O2")
# BearSSL at -Oz but for SHA-256, which nearly every request does (the API key's or the token's
# hash, the forward's Content-Digest), at -O3. In the worker, RS256/ES256 checks and
# the forward's ECDSA signature run on WebCrypto: BearSSL's RSA and P-256 code there is the
# fallback and the configure-time key checks, and at -O3 it cost ~4 KB gzipped the 100 KB budget
# no longer had room for (12-04). The WASI command shares these objects: its ES256 verification is
# ~1.7x slower than at -O3 (docs/benchmarks.md, variant bearssl-O3), a local testing tool's cost.
set_source_files_properties(
  ${BEARSSL_DIR}/src/hash/sha2small.c
  TARGET_DIRECTORY bearssl PROPERTIES COMPILE_OPTIONS "-O3")
target_compile_options(mb_flags INTERFACE -ffunction-sections -fdata-sections)


# Worker module: a reactor with the ABI of wasm/abi.h and no filesystem.
add_executable(membership wasm/worker_entry.cpp)
target_link_libraries(membership PRIVATE worker_frames membership_core bearssl)
target_include_directories(membership PRIVATE "${CMAKE_SOURCE_DIR}/wasm")
target_link_options(membership PRIVATE
  -mexec-model=reactor          # no main(): the host calls _initialize() once, then the exports
  -Wl,--gc-sections             # drop unreferenced functions (most of BearSSL, unused libc++)
  -Wl,--strip-all               # names are not needed at the edge; the size budget is
  -Wl,-z,stack-size=262144      # 256 KiB stack: JSON depth is capped at 32, RSA-4096 needs room
  -Wl,--initial-memory=2097152  # 2 MiB to start; grows on demand for large bodies
)
set_target_properties(membership PROPERTIES OUTPUT_NAME membership SUFFIX ".wasm" RUNTIME_OUTPUT_DIRECTORY "${DIST_DIR}/worker")

# WASI command: one HTTP request on stdin, the response on stdout, KV files under /kv.
add_executable(membership-cli wasm/wasi_main.cpp host-shims/wasi/http_io.cpp host-shims/wasi/command.cpp ${MB_WASI_HOST_SOURCES})
target_link_libraries(membership-cli PRIVATE host_common membership_core bearssl llhttp)  # llhttp: the stdin request parser
target_include_directories(membership-cli PRIVATE "${CMAKE_SOURCE_DIR}/wasm" "${CMAKE_SOURCE_DIR}/host-shims/wasi")
target_link_options(membership-cli PRIVATE
  -Wl,--gc-sections             # drop unreferenced code
  -Wl,-z,stack-size=262144      # same stack as the worker module
)
set_target_properties(membership-cli PROPERTIES OUTPUT_NAME membership-cli SUFFIX ".wasm" RUNTIME_OUTPUT_DIRECTORY "${DIST_DIR}/wasi")
include(cmake/vectors.cmake)
include(cmake/wasi_http.cmake)
