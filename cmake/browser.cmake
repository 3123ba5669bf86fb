# Browser preview (Emscripten): filled in by the browser preview work.
message(STATUS "browser preview target not defined yet")
