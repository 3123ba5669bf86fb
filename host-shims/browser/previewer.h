// The browser preview's host logic (dist/browser/membership-preview.{mjs,wasm}): the core's
// storage-free stages (mb::preview) with strings crossing as JSON, so the JS side
// (host-shims/browser/preview.mjs) stays a thin adapter and every verdict comes from the core.
// wasm/browser_entry.cpp binds it with embind.
//
//   const p = new Module.Previewer(config_json)   // the document of GET /preview/config.json
//   p.error()                                     // "" or why the settings were refused
//   p.settings()                                  // the settings in force, as config.json shapes them
//   p.run(meta_json, body_bytes, now_ms)          // meta: host-shims/common/wire.h request JSON; -> result JSON
#pragma once
#include <cstddef>
#include <string>

#include "config.h"

namespace mb::browser {

class Previewer {
 public:
  explicit Previewer(const std::string& settings_json);

  std::string error() const { return error_; }
  std::size_t max_body_bytes() const { return config_.max_body_bytes; }

  std::string settings() const;

  // meta: {"method","target","headers":[[n,v]...],"body_truncated"}; body: the raw bytes.
  std::string run(const std::string& meta_json, const std::string& body, double now_ms) const;

 private:
  Config config_;
  std::string error_;
};

}  // namespace mb::browser
