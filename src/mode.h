// The two data repositories (docs/api.md: a key containing `_test_` is sandbox, otherwise live).
#pragma once
#include <string_view>

namespace mb {

enum class Mode { test, live };
inline std::string_view mode_name(Mode m) { return m == Mode::test ? "test" : "live"; }

}  // namespace mb
