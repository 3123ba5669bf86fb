// One result type for the whole core (simdjson's simdjson_result, abseil's StatusOr): a value, or
// the Problem that decides the answer. [[nodiscard]], so a failure cannot be dropped silently;
// MB_TRY / MB_ASSIGN_OR_RETURN propagate it. Exception-free by construction.
//
// Three kinds of failure are kept apart (docs/architecture.md):
//   the client's fault      a Problem with a 4xx Error (the core answers it itself);
//   an effect's failure     a Problem with a 5xx Error (KV, origin, key provider);
//   a broken invariant      not a Problem: the core aborts, the host turns the trap into a 500.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "envelope.h"
#include "errors.h"
#include "http.h"

namespace mb {

struct Problem {
  Error error = Error::internal_error;
  std::string details = "{}";      // the envelope's error.details, as JSON text (an object)
  std::vector<FieldError> fields;  // field errors (the details are then made from them)
  std::size_t more_fields = 0;     // field errors left out of `fields`
  Headers headers;                 // extra response headers (Retry-After, Allow, ...)
  std::string note;                // a log line for the operator (never sent to the client)
};

inline Problem problem(Error e, std::string note = {}) {
  Problem p;
  p.error = e;
  p.note = std::move(note);
  return p;
}

// The Problem lives on the heap: a Result moves as a value and a pointer, so the many error paths
// cost little code and no copies of the details.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}                             // NOLINT: implicit by design
  Result(Problem p) : problem_(std::make_unique<Problem>(std::move(p))) {}  // NOLINT
  Result(Error e) : problem_(std::make_unique<Problem>(mb::problem(e))) {}  // NOLINT

  bool ok() const { return !problem_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  Problem& problem() { return *problem_; }
  const Problem& problem() const { return *problem_; }

 private:
  std::optional<T> value_;
  std::unique_ptr<Problem> problem_;
};

// A result without a value: ok, or the Problem.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Problem p) : problem_(std::make_unique<Problem>(std::move(p))) {}  // NOLINT
  Result(Error e) : problem_(std::make_unique<Problem>(mb::problem(e))) {}  // NOLINT
  bool ok() const { return !problem_; }
  Problem& problem() { return *problem_; }
  const Problem& problem() const { return *problem_; }

 private:
  std::unique_ptr<Problem> problem_;
};
using Status = Result<void>;

}  // namespace mb

// Returns the Problem of `expr` from the enclosing function when it failed.
#define MB_TRY(expr)                                                      \
  do {                                                                    \
    auto mb_try_result_ = (expr);                                         \
    if (!mb_try_result_.ok()) return std::move(mb_try_result_.problem()); \
  } while (0)

#define MB_CONCAT_INNER(a, b) a##b
#define MB_CONCAT(a, b) MB_CONCAT_INNER(a, b)
// `lhs = value of expr`, or return its Problem.
#define MB_ASSIGN_OR_RETURN(lhs, expr) MB_ASSIGN_OR_RETURN_IMPL(MB_CONCAT(mb_result_, __LINE__), lhs, expr)
#define MB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)  \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp.problem()); \
  lhs = std::move(tmp.value())
