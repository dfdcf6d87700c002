// A move-only callable with inline storage and no heap allocation: the scheduler keeps one per
// pending event, so allocation here would dominate the kernel's cost. A callable that does not
// fit the inline buffer is a compile error (capture a pointer or an index instead).
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include "base/assert.h"

namespace kraftsim {

template <typename Signature, std::size_t Capacity = 48>
class Callback;

template <typename R, typename... Args, std::size_t Capacity>
class Callback<R(Args...), Capacity> {
 public:
  Callback() = default;

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
  Callback(F&& f) {  // NOLINT(google-explicit-constructor): a callable converts implicitly
    using Stored = std::decay_t<F>;
    static_assert(sizeof(Stored) <= Capacity, "callable too large for Callback: capture less");
    static_assert(alignof(Stored) <= alignof(std::max_align_t));
    static_assert(std::is_nothrow_move_constructible_v<Stored>);
    ::new (static_cast<void*>(storage_)) Stored(std::forward<F>(f));
    ops_ = &ops_for<Stored>;
  }

  Callback(Callback&& other) noexcept { take(std::move(other)); }
  Callback& operator=(Callback&& other) noexcept {
    if (this != &other) {
      reset();
      take(std::move(other));
    }
    return *this;
  }
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  ~Callback() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }

  R operator()(Args... args) {
    KS_ASSERT(ops_ != nullptr);
    return ops_->invoke(storage_, std::forward<Args>(args)...);
  }

  void reset() {
    if (ops_) {
      ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }

 private:
  struct Ops {
    R (*invoke)(void*, Args&&...);
    void (*move)(void* to, void* from);
    void (*destroy)(void*);
  };

  template <typename Stored>
  static constexpr Ops ops_for = {
      [](void* s, Args&&... args) -> R { return (*static_cast<Stored*>(s))(std::forward<Args>(args)...); },
      [](void* to, void* from) {
        ::new (to) Stored(std::move(*static_cast<Stored*>(from)));
        static_cast<Stored*>(from)->~Stored();
      },
      [](void* s) { static_cast<Stored*>(s)->~Stored(); },
  };

  void take(Callback&& other) {
    if (other.ops_) {
      other.ops_->move(storage_, other.storage_);
      ops_ = other.ops_;
      other.ops_ = nullptr;
    }
  }

  alignas(std::max_align_t) unsigned char storage_[Capacity];
  const Ops* ops_ = nullptr;
};

}  // namespace kraftsim
