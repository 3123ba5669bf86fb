# The wasi:http component (dist/wasi-http/membership-http.wasm): a core module (a preview1 reactor
# exporting wasm/wasi_http_abi.h's handler), made a WASI 0.2 component by jco (`jco embed` of
# wasm/wit/world.wit, `jco new --wasi-reactor`: scripts/wasi-http-component.mjs).
add_executable(membership-http-core wasm/wasi_http_entry.cpp wasm/wasi_http_fetch.cpp wasm/wasi_http_io.cpp
                                    ${MB_WASI_HOST_SOURCES})
target_link_libraries(membership-http-core PRIVATE host_common membership_core bearssl)
target_include_directories(membership-http-core PRIVATE "${CMAKE_SOURCE_DIR}/wasm" "${CMAKE_SOURCE_DIR}/host-shims/wasi")
target_link_options(membership-http-core PRIVATE
  -mexec-model=reactor          # no main(): the runtime calls the handler export per request
  -Wl,--gc-sections             # drop unreferenced code
  -Wl,-z,stack-size=262144      # same stack as the other modules
)
set_target_properties(membership-http-core PROPERTIES SUFFIX ".wasm")

find_program(NODE_EXECUTABLE node REQUIRED)
set(MB_WASI_HTTP_COMPONENT "${DIST_DIR}/wasi-http/membership-http.wasm")
add_custom_command(
  OUTPUT "${MB_WASI_HTTP_COMPONENT}"
  COMMAND ${CMAKE_COMMAND} -E make_directory "${DIST_DIR}/wasi-http"
  COMMAND "${NODE_EXECUTABLE}" "${CMAKE_SOURCE_DIR}/scripts/wasi-http-component.mjs"
          "$<TARGET_FILE:membership-http-core>" "${MB_WASI_HTTP_COMPONENT}" "${CMAKE_CURRENT_BINARY_DIR}/wasi-http"
  DEPENDS membership-http-core "${CMAKE_SOURCE_DIR}/wasm/wit/world.wit" "${CMAKE_SOURCE_DIR}/scripts/wasi-http-component.mjs"
  COMMENT "jco embed + jco new: dist/wasi-http/membership-http.wasm"
  VERBATIM)
add_custom_target(membership-http ALL DEPENDS "${MB_WASI_HTTP_COMPONENT}")
