// Implementation of KS_ASSERT's failure path: print and abort (never throw: a broken
// invariant must not be caught and ignored by a layer above).
#include "base/assert.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace kraftsim {
namespace {
std::string& assert_context() {
  thread_local std::string context;  // per thread: a sweep runs one world per worker thread
  return context;
}
}  // namespace

void set_assert_context(std::string context) { assert_context() = std::move(context); }

void assert_fail(const char* condition, const char* file, int line, const char* message) {
  std::fprintf(stderr, "kraftsim: internal invariant broken: %s at %s:%d%s%s\n", condition, file,
               line, message ? ": " : "", message ? message : "");
  if (!assert_context().empty()) std::fprintf(stderr, "kraftsim: %s\n", assert_context().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace kraftsim
