# Minimal platform file for CMAKE_SYSTEM_NAME=WASI (newer CMake ships its own).
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_STATIC_LIBRARY_PREFIX "lib")
set(CMAKE_STATIC_LIBRARY_SUFFIX ".a")
set(UNIX 1)
