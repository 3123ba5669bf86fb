# WASI builds: the worker reactor and the wasmtime command.
# Size first (-Oz, and clang's driver hands -Oz to wasm-opt after linking), speed where a request's
# time goes: the per-request loops over bytes — the JSON reader and writer (nlohmann's lexer
# inside), the worker ABI's frames, the KV layout's encoding — at -O2. The stage logic runs once
# per request and at -O2 was mostly inlined std::string code: on 11-30 -Oz took the module from
# ~125 to ~96 KB gzipped (SPEC: at most 100 KB) for a few percent of CPU (docs/benchmarks.md,
# variants "mixed" and "O2+bearssl-O3"). wasm/worker_entry.cpp is -Oz too: its exports hand the
# frames to frames.cpp (another file, not inlined) and hold no loop over bytes; -O2 there cost
# ~1.3 KB gzipped (12-04). NDEBUG: no nlohmann invariant asserts per value.
set(CMAKE_C_FLAGS_RELEASE "-Oz -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE "-Oz -DNDEBUG")
set_source_files_properties(
  src/json_reader.cpp src/json_writer.cpp src/kv_layout.cpp wasm/frames.cpp
  PROPERTIES COMPILE_OPTIONS "-O2")
# BearSSL's P-256 and RSA arithmetic at -O3: ES256 verification ~1.7x faster than at -Oz
# (docs/benchmarks.md, variant bearssl-O3). Comes after the -Oz above on the command line.
target_compile_options(bearssl PRIVATE -O3)
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
