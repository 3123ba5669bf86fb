// The browser preview module's entry: embind's bindings of host-shims/browser/previewer.h.
#include <emscripten/bind.h>

#include "previewer.h"

EMSCRIPTEN_BINDINGS(membership_preview) {
  using mb::browser::Previewer;
  emscripten::class_<Previewer>("Previewer")
      .constructor<const std::string&>()
      .function("error", &Previewer::error)
      .function("maxBodyBytes", &Previewer::max_body_bytes)
      .function("settings", &Previewer::settings)
      .function("run", &Previewer::run);
}
