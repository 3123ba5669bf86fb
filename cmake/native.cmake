# Native builds: tests (doctest + CTest), the CLI host, fuzzers and micro-benchmarks.
find_package(doctest QUIET CONFIG)
if(NOT doctest_FOUND)
  message(FATAL_ERROR "doctest not found: apt-get install doctest-dev")
endif()
enable_testing()

# The WASI command's sources build natively too: same host, POSIX files instead of a preopen.
add_executable(membership-cli-native wasm/wasi_main.cpp host-shims/wasi/http_io.cpp host-shims/wasi/command.cpp ${MB_WASI_HOST_SOURCES})
target_link_libraries(membership-cli-native PRIVATE host_common membership_core bearssl llhttp)  # llhttp: the stdin request parser
target_include_directories(membership-cli-native PRIVATE "${CMAKE_SOURCE_DIR}/wasm" "${CMAKE_SOURCE_DIR}/host-shims/wasi")

file(GLOB MB_UNIT_TESTS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/unit/*.cpp")
add_executable(unit_tests ${MB_UNIT_TESTS} host-shims/native/memory_host.cpp)
target_link_libraries(unit_tests PRIVATE worker_frames host_common membership_core bearssl doctest::doctest)
target_include_directories(unit_tests PRIVATE "${CMAKE_SOURCE_DIR}/host-shims/native" "${CMAKE_SOURCE_DIR}/tests")
target_compile_definitions(unit_tests PRIVATE
  MB_SOURCE_DIR="${CMAKE_SOURCE_DIR}" MB_VECTORS_DIR="${CMAKE_SOURCE_DIR}/tests/vectors/data")
if(MB_NO_EXCEPTIONS)
  # The suite runs a second time with exceptions off (as nlohmann does): REQUIRE then aborts the case.
  target_compile_definitions(unit_tests PRIVATE DOCTEST_CONFIG_NO_EXCEPTIONS_BUT_WITH_ALL_ASSERTS)
endif()

add_test(NAME unit COMMAND unit_tests --test-suite-exclude=scenario*)
set_tests_properties(unit PROPERTIES LABELS unit)
add_test(NAME scenario COMMAND unit_tests --test-suite=scenario*)
set_tests_properties(scenario PROPERTIES LABELS scenario)

if(MB_FUZZ)
  include(cmake/fuzz.cmake)
endif()
if(EXISTS "${CMAKE_SOURCE_DIR}/bench/native_bench.cpp")
  add_executable(native_bench bench/native_bench.cpp host-shims/native/memory_host.cpp)
  target_link_libraries(native_bench PRIVATE worker_frames host_common membership_core bearssl)
  target_include_directories(native_bench PRIVATE "${CMAKE_SOURCE_DIR}/host-shims/native")
endif()
include(cmake/vectors.cmake)
