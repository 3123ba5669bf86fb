// Where a KV value lives: its store (test or live) and its key. The exchange's reads and the
// isolate's record cache are keyed by it.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

#include "mode.h"

namespace mb {

struct Slot {
  Mode store = Mode::live;
  std::string key;
  bool operator==(const Slot& o) const { return store == o.store && key == o.key; }
};

struct SlotHash {
  std::size_t operator()(const Slot& s) const {
    return std::hash<std::string>()(s.key) ^ static_cast<std::size_t>(s.store == Mode::live);
  }
};

}  // namespace mb
