// A process that overflows its fiber stack must be caught by the guard page and reported, never
// silently corrupt memory.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term.hpp"

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

// How much of a fiber's stack a crash report takes: an exception thrown and caught, its reason
// built and a report of a large term written, as a crashing process's last steps. The stack is
// mapped but not touched, so the pages resident afterwards are the ones the work reached. The
// default stack must hold it four times over in every build (ThreadSanitizer's and
// AddressSanitizer's frames are the largest), so a crash can always be reported.
TEST(FiberStack, ACrashReportTakesLessThanAQuarterOfTheDefaultStack) {
  const std::size_t stack_size = otp::runtime_options{}.fiber_stack_size;
  otp::runtime rt(otp::runtime_options{.schedulers = 1});
  const std::size_t used = rt.run([stack_size] {
    char top_marker = 0;
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const std::uintptr_t top = (reinterpret_cast<std::uintptr_t>(&top_marker) + page) & ~(page - 1);
    otp::term big = otp::list();
    for (int i = 0; i < 2000; ++i) big = otp::tuple(i, otp::binary(std::string(40, 'x')), big);
    try {
      throw otp::bad_term("expected an integer, got " + big.to_string());
    } catch (const std::exception& e) {
      const otp::term reason = otp::exit_reason_of(e);
      otp::log::capture quiet;
      otp::log::report(otp::log::level::error, "crash_report",
                       {{"pid", otp::self().to_string()}, {"exit_reason", reason.to_string()}});
    }
    // The lowest resident page of the stack below us is as deep as the work went.
    const std::uintptr_t low = top - stack_size;
    std::vector<unsigned char> resident(stack_size / page);
    if (::mincore(reinterpret_cast<void*>(low), stack_size, resident.data()) != 0) return std::size_t{0};
    std::size_t first = 0;
    while (first < resident.size() && (resident[first] & 1) == 0) ++first;
    return stack_size - first * page;
  });
  std::printf("a crash report used %zu KiB of a %zu KiB fiber stack\n", used / 1024, stack_size / 1024);
  ASSERT_GT(used, 0u) << "mincore failed";
  EXPECT_LT(used, stack_size / 4);
}
