// Result<T, E>: a value or an error value (std::expected arrives only in C++23).
// Errors users or the environment can cause travel as values; only our own broken invariants
// are assertions.
#pragma once

#include <utility>
#include <variant>

#include "base/assert.h"

namespace kraftsim {

template <typename E>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Unexpected<E> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { KS_ASSERT(ok()); return std::get<0>(v_); }
  const T& value() const& { KS_ASSERT(ok()); return std::get<0>(v_); }
  T&& value() && { KS_ASSERT(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { KS_ASSERT(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace kraftsim
