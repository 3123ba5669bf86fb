# Known-answer vectors (tests/vectors/data): one checker, tests/vectors/vector_checks.cpp, run
#   natively  by the doctest cases in tests/unit/crypto_vectors.cpp (added to unit_tests) and by
#             the crypto-vectors command (CTest "crypto_vectors", skipped when the folder is absent);
#   in WASI   as the command dist/wasi/crypto-vectors.wasm, run under Node by
#             tests/wasm/crypto_vectors.test.mjs (vectors preopened at /vectors).
# Included at the end of cmake/native.cmake and cmake/wasi.cmake.
set(MB_VECTOR_SOURCES "${CMAKE_SOURCE_DIR}/tests/vectors/vector_checks.cpp")
set(MB_VECTORS_SOURCE_DIR "${CMAKE_SOURCE_DIR}/tests/vectors/data")

add_executable(crypto-vectors tests/vectors/vectors_main.cpp ${MB_VECTOR_SOURCES})
target_link_libraries(crypto-vectors PRIVATE host_common membership_core bearssl)
target_include_directories(crypto-vectors PRIVATE "${CMAKE_SOURCE_DIR}/tests/vectors")

if(MB_WASM)
  target_link_options(crypto-vectors PRIVATE
    -Wl,--gc-sections             # drop unreferenced code
    -Wl,-z,stack-size=262144      # same stack as the shipped modules (RSA verify runs on it)
  )
  set_target_properties(crypto-vectors PROPERTIES OUTPUT_NAME crypto-vectors SUFFIX ".wasm"
                        RUNTIME_OUTPUT_DIRECTORY "${DIST_DIR}/wasi")
else()
  # 77 = the vectors folder is absent: reported as skipped, not passed.
  add_test(NAME crypto_vectors COMMAND crypto-vectors "${MB_VECTORS_SOURCE_DIR}")
  set_tests_properties(crypto_vectors PROPERTIES LABELS unit SKIP_RETURN_CODE 77)
  if(TARGET unit_tests)
    target_sources(unit_tests PRIVATE ${MB_VECTOR_SOURCES})
  endif()
endif()
