// libFuzzer target: the worker ABI's frame readers (wasm/frames.h). Whatever a reader accepts must
// write back to the very same bytes; whatever it refuses must be refused without reading past the
// end (ASan watches).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "frames.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` bytes, so ASan sees any read past the end.
  std::string bytes(reinterpret_cast<const char*>(data), size);
  std::string_view in(bytes);

  mb::Request req;
  if (mb::frames::read_request(in, req) && mb::frames::write_request(req) != in) std::abort();

  std::vector<mb::Outcome> outcomes;
  if (mb::frames::read_outcomes(in, outcomes) && mb::frames::write_outcomes(outcomes) != in) std::abort();

  mb::Step step;
  if (mb::frames::read_step(in, step)) {
    std::string again;
    mb::frames::write_step(step, again);
    if (again != in) std::abort();
  }
  return 0;
}
