// One result type for the whole core (simdjson's simdjson_result, abseil's StatusOr): a value, or
// the Problem that decides the answer. [[nodiscard]], so a failure cannot be dropped silently;
// MB_TRY / MB_ASSIGN_OR_RETURN propagate it. Exception-free by construction.
//
// Three kinds of failure are kept apart (docs/architecture.md):
//   the client's fault      a Problem with a 4xx Error (the core answers it itself);
//   an effect's failure     a Problem with a 5xx Error (KV, origin, key provider);
//   a broken invariant      not a Problem: the core aborts, the host turns the trap into a 500.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "errors.h"
#include "http.h"

namespace mb {

struct Problem {
  Error error = Error::internal_error;
  std::string details = "{}";  // the envelope's error.details, as JSON text (an object)
  Headers headers;             // extra response headers (Retry-After, Allow, ...)
  std::string note;            // a log line for the operator (never sent to the client)
};

inline Problem problem(Error e, std::string note = {}) {
  Problem p;
  p.error = e;
  p.note = std::move(note);
  return p;
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Problem p) : v_(std::in_place_index<1>, std::move(p)) {}    // NOLINT
  Result(Error e) : Result(mb::problem(e)) {}                        // NOLINT

  bool ok() const { return v_.index() == 0; }
  T& value() { return *std::get_if<0>(&v_); }
  const T& value() const { return *std::get_if<0>(&v_); }
  Problem& problem() { return *std::get_if<1>(&v_); }
  const Problem& problem() const { return *std::get_if<1>(&v_); }

 private:
  std::variant<T, Problem> v_;
};

// A result without a value: ok, or the Problem.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Problem p) : p_(std::move(p)) {}  // NOLINT
  Result(Error e) : p_(mb::problem(e)) {}  // NOLINT
  bool ok() const { return !p_; }
  Problem& problem() { return *p_; }
  const Problem& problem() const { return *p_; }

 private:
  std::optional<Problem> p_;
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
