// Virtual time for the whole project: a strongly typed count of microseconds.
// Both the simulator and node code use these types; nothing here reads a clock.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace kraftsim {

// A span of virtual time in microseconds. Construct it through the named helpers
// (microseconds(), milliseconds(), seconds()) so that every literal says its unit.
class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration from_us(std::int64_t us) { return Duration(us); }
  constexpr std::int64_t us() const { return us_; }
  constexpr std::int64_t ms() const { return us_ / 1000; }  // truncates toward zero
  constexpr double ms_real() const { return static_cast<double>(us_) / 1000.0; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
  constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }
  constexpr Duration operator*(std::int64_t k) const { return Duration(us_ * k); }
  constexpr Duration operator/(std::int64_t k) const { return Duration(us_ / k); }
  constexpr Duration& operator+=(Duration o) { us_ += o.us_; return *this; }

 private:
  constexpr explicit Duration(std::int64_t us) : us_(us) {}
  std::int64_t us_ = 0;
};

constexpr Duration microseconds(std::int64_t us) { return Duration::from_us(us); }
constexpr Duration milliseconds(std::int64_t ms) { return Duration::from_us(ms * 1000); }
constexpr Duration seconds(std::int64_t s) { return Duration::from_us(s * 1000 * 1000); }

// A point in virtual time: microseconds since the start of the run (time zero).
class Time {
 public:
  constexpr Time() = default;
  static constexpr Time from_us(std::int64_t us) { return Time(us); }
  static constexpr Time zero() { return Time(0); }
  static constexpr Time max() { return Time(std::numeric_limits<std::int64_t>::max()); }
  constexpr std::int64_t us() const { return us_; }
  constexpr std::int64_t ms() const { return us_ / 1000; }
  constexpr double ms_real() const { return static_cast<double>(us_) / 1000.0; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return Time(us_ + d.us()); }
  constexpr Time operator-(Duration d) const { return Time(us_ - d.us()); }
  constexpr Duration operator-(Time o) const { return Duration::from_us(us_ - o.us_); }
  constexpr Time& operator+=(Duration d) { us_ += d.us(); return *this; }

 private:
  constexpr explicit Time(std::int64_t us) : us_(us) {}
  std::int64_t us_ = 0;
};

}  // namespace kraftsim
