#include "errors.h"

namespace mb {
namespace {
constexpr ErrorInfo kRows[] = {
#define MB_ROW(name, status, n, message) {#name, status, status * 100 + n, message},
    MB_ERROR_CATALOGUE(MB_ROW)
#undef MB_ROW
};
}  // namespace

const ErrorInfo& info(Error e) { return kRows[static_cast<int>(e)]; }
const ErrorInfo* catalogue_begin() { return kRows; }
const ErrorInfo* catalogue_end() { return kRows + sizeof(kRows) / sizeof(kRows[0]); }

}  // namespace mb
