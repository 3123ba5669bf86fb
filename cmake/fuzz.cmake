# libFuzzer targets (clang only): the whole exchange, the token/key-set readers, the worker ABI's
# frame readers, and the KV layout's encoding.
# Built by the asan preset; ctest runs each briefly (label fuzz), scripts/fuzz runs them longer.
set(MB_FUZZ_SECONDS 30 CACHE STRING "seconds each fuzzer runs under ctest")
foreach(name exchange jwt frames kv_layout)
  add_executable(fuzz_${name} fuzz/${name}_fuzz.cpp host-shims/wasi/http_io.cpp)
  # llhttp: http_io.cpp (linked into every target) parses with it
  target_link_libraries(fuzz_${name} PRIVATE worker_frames host_common membership_core bearssl llhttp)
  target_include_directories(fuzz_${name} PRIVATE "${CMAKE_SOURCE_DIR}/host-shims/wasi")
  target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  add_test(NAME fuzz_${name}
           COMMAND fuzz_${name} -max_total_time=${MB_FUZZ_SECONDS} -rss_limit_mb=2048 -max_len=65536
                   -artifact_prefix=${CMAKE_BINARY_DIR}/fuzz-artifacts/ ${CMAKE_BINARY_DIR}/fuzz-corpus/${name}
                   ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
  set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz TIMEOUT 600)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz-corpus/${name} ${CMAKE_BINARY_DIR}/fuzz-artifacts)
endforeach()

# Inputs that once crashed a target: replayed on every run (fuzz/regressions/<target>/).
foreach(name exchange jwt frames kv_layout)
  if(EXISTS ${CMAKE_SOURCE_DIR}/fuzz/regressions/${name})
    add_test(NAME fuzz_${name}_regressions COMMAND fuzz_${name} -runs=0 ${CMAKE_SOURCE_DIR}/fuzz/regressions/${name})
    set_tests_properties(fuzz_${name}_regressions PROPERTIES LABELS fuzz)
  endif()
endforeach()
