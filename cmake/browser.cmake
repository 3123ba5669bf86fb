# Browser preview (Emscripten + embind): the core's storage-free stages as an ES module, and the
# page that uses it. `cmake --build --preset browser` produces
#   dist/browser/       membership-preview.mjs + .wasm and the JS API (preview.mjs): what a dashboard imports
#   dist/site/preview/  the page with a copy of the above: the worker's static assets serve it at /preview/
#   dist/site/reference/  the API reference (docs/openapi.yaml and its HTML rendering) at /reference/
# Emscripten's optimizer needs NODE_PATH=/usr/share/nodejs (acorn) with Debian's emscripten.

# Size over speed: the preview runs once per keystroke, and a dashboard downloads it.
set(CMAKE_C_FLAGS_RELEASE "-Oz -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE "-Oz -DNDEBUG")

# Debian's nlohmann_json package exports -isystem /usr/include, which would put glibc's headers in
# front of Emscripten's libc. Give the compiler a directory holding only nlohmann/ instead.
set(MB_JSON_INCLUDE "${CMAKE_BINARY_DIR}/json-include")
get_target_property(MB_JSON_DIRS nlohmann_json::nlohmann_json INTERFACE_INCLUDE_DIRECTORIES)
find_path(MB_JSON_HEADER_DIR nlohmann/json.hpp PATHS ${MB_JSON_DIRS} NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
file(MAKE_DIRECTORY "${MB_JSON_INCLUDE}")
file(CREATE_LINK "${MB_JSON_HEADER_DIR}/nlohmann" "${MB_JSON_INCLUDE}/nlohmann" SYMBOLIC)
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${MB_JSON_INCLUDE}")

add_executable(membership-preview wasm/browser_entry.cpp host-shims/browser/previewer.cpp)
target_link_libraries(membership-preview PRIVATE host_common membership_core bearssl)
target_include_directories(membership-preview PRIVATE "${CMAKE_SOURCE_DIR}/host-shims/browser")
# embind names unbound types through RTTI, which the core is built without.
target_compile_definitions(membership-preview PRIVATE EMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0)
target_link_options(membership-preview PRIVATE
  --bind                          # embind: the Previewer class
  -fno-rtti                       # at link time too: picks the libembind built without RTTI, as the core is
  -fno-exceptions
  -sMODULARIZE=1                  # a factory, not a global Module: the page and tests can make several
  -sEXPORT_ES6=1                  # `import createMembershipPreview from "./membership-preview.mjs"`
  -sEXPORT_NAME=createMembershipPreview
  -sENVIRONMENT=web               # the shipped module runs in browsers only (tests drive Chromium)
  -sDYNAMIC_EXECUTION=0           # no eval/new Function: works under a strict Content-Security-Policy
  -sALLOW_MEMORY_GROWTH=1         # bodies are bounded by MAX_BODY_BYTES, but that is configurable
  -sFILESYSTEM=0                  # no files in a sans-IO core
  -sMALLOC=emmalloc               # smaller than dlmalloc; allocation speed does not matter here
  -sINCOMING_MODULE_JS_API=[locateFile,wasmBinary,instantiateWasm,print,printErr]
  -sTEXTDECODER=2                 # every browser has TextDecoder: drop the JS fallback
  -Oz
)
set_target_properties(membership-preview PROPERTIES
  OUTPUT_NAME membership-preview SUFFIX ".mjs" RUNTIME_OUTPUT_DIRECTORY "${DIST_DIR}/browser")

set(MB_BROWSER_SHIM "${CMAKE_SOURCE_DIR}/host-shims/browser")
set(MB_SITE_PREVIEW "${DIST_DIR}/site/preview")
# The page and the JS API are sources too: changing them re-runs the copy below.
file(GLOB MB_PAGE_FILES CONFIGURE_DEPENDS "${MB_BROWSER_SHIM}/page/*")
set_property(TARGET membership-preview APPEND PROPERTY LINK_DEPENDS ${MB_PAGE_FILES} "${MB_BROWSER_SHIM}/preview.mjs")

# No config.json is copied: at /preview/config.json the worker answers with its own settings, and
# a plain file server answers 404, which the page takes as "use the defaults".
add_custom_command(TARGET membership-preview POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E copy_if_different "${MB_BROWSER_SHIM}/preview.mjs" "${DIST_DIR}/browser/"
  COMMAND ${CMAKE_COMMAND} -E rm -rf "${MB_SITE_PREVIEW}"
  COMMAND ${CMAKE_COMMAND} -E make_directory "${MB_SITE_PREVIEW}"
  COMMAND ${CMAKE_COMMAND} -E copy ${MB_PAGE_FILES} "${MB_SITE_PREVIEW}/"
  COMMAND ${CMAKE_COMMAND} -E copy
          "${DIST_DIR}/browser/membership-preview.mjs" "${DIST_DIR}/browser/membership-preview.wasm"
          "${MB_BROWSER_SHIM}/preview.mjs" "${MB_SITE_PREVIEW}/"
  COMMENT "Assembling dist/site/preview/ (page + preview module)"
  VERBATIM)

# The API reference beside the preview, at /reference/: docs/openapi.yaml and the HTML page Redocly
# renders from it (offline: Redoc's script is inlined). Rebuilt when the document changes.
set(MB_SITE_REFERENCE "${DIST_DIR}/site/reference")
find_program(MB_NODE node REQUIRED)
add_custom_command(
  OUTPUT "${MB_SITE_REFERENCE}/index.html" "${MB_SITE_REFERENCE}/openapi.yaml"
  COMMAND "${MB_NODE}" scripts/build-reference.mjs "${MB_SITE_REFERENCE}"
  DEPENDS "${CMAKE_SOURCE_DIR}/docs/openapi.yaml" "${CMAKE_SOURCE_DIR}/redocly.yaml" "${CMAKE_SOURCE_DIR}/scripts/build-reference.mjs"
  WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
  COMMENT "Building dist/site/reference/ (the API reference, from docs/openapi.yaml)"
  VERBATIM)
add_custom_target(api-reference ALL DEPENDS "${MB_SITE_REFERENCE}/index.html")

# The Playwright tests (Debian's chromium, headless): `ctest --test-dir build/browser -L browser`.
# They drive dist/ as built above; the wrangler-backed ones also need the worker module (wasi preset).
enable_testing()
add_test(NAME browser COMMAND node --test --test-concurrency=1 tests/browser/ WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}")
set_tests_properties(browser PROPERTIES LABELS browser TIMEOUT 900)
