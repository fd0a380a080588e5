// A process that overflows its fiber stack must be caught by the guard page and reported, never
// silently corrupt memory.
#include <gtest/gtest.h>

#include "otp/runtime.hpp"

namespace {

// Not a tail call, and the array keeps each frame large, so the compiler cannot turn it into a loop.
// The stop condition can never hold (the depth only grows) but keeps the compiler from calling it
// infinite recursion.
volatile int never = -1;
__attribute__((noinline)) int recurse_until(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth == never) return 0;
  return recurse_until(depth + 1) + frame[0];
}

}  // namespace

TEST(FiberStackDeathTest, OverflowHitsTheGuardPageAndIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        otp::runtime rt(otp::runtime_options{.schedulers = 1, .fiber_stack_size = 64 * 1024});
        rt.run([] { return recurse_until(0); });
      },
      // Our handler's message; under the sanitizers, theirs.
      "overflowed its fiber stack|stack-overflow|SEGV");
}

TEST(FiberStack, DeepButBoundedRecursionFitsTheConfiguredStack) {
  otp::runtime rt(otp::runtime_options{.schedulers = 1, .fiber_stack_size = 1024 * 1024});
  struct local {
    static __attribute__((noinline)) int depth_sum(int n) {
      volatile char frame[512];
      frame[0] = 1;
      return n == 0 ? 0 : depth_sum(n - 1) + frame[0];
    }
  };
  EXPECT_EQ(rt.run([] { return local::depth_sum(1000); }), 1000);
}
