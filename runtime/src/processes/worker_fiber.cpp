#include "processes/worker_fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define OTP_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define OTP_TSAN 1
#endif

namespace otp::detail {
namespace {

// initial-exec: the runtime is linked by the executable, never dlopen'ed, so TLS needs no __tls_get_addr.
__attribute__((tls_model("initial-exec"))) thread_local thread_context* tls_thread_context = nullptr;

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// The guard pages of live fiber stacks, for the overflow report. Fixed capacity, lock-free reads
// from the signal handler.
constexpr std::size_t max_tracked_guards = 1u << 16;
std::atomic<std::uintptr_t> guard_pages[max_tracked_guards];

// Open addressing from a slot chosen by the page's address: constant time while the table is
// far from full (a full table only loses the report, never the guard page itself).
void track_guard(std::uintptr_t page, bool add) {
  const std::size_t start = (page / page_size()) % max_tracked_guards;
  for (std::size_t k = 0; k < max_tracked_guards; ++k) {
    auto& slot = guard_pages[(start + k) % max_tracked_guards];
    std::uintptr_t expected = add ? 0 : page;
    if (slot.compare_exchange_strong(expected, add ? page : 0)) return;
  }
}

// A stack with a guard page below it; refuses to run without the guard (Boost's allocator only
// asserts that mprotect worked, and the assert vanishes in release builds).
class guarded_stack_allocator {
 public:
  explicit guarded_stack_allocator(std::size_t size, const char** low, std::size_t* usable)
      : size_(size), low_(low), usable_(usable) {}

  boost::context::stack_context allocate() {
    const std::size_t pages = (size_ + page_size() - 1) / page_size();
    const std::size_t total = (pages + 1) * page_size();
    void* base = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    if (::mprotect(base, page_size(), PROT_NONE) != 0) {
      ::munmap(base, total);
      throw std::runtime_error("cannot protect a fiber stack's guard page (vm.max_map_count reached?)");
    }
    track_guard(reinterpret_cast<std::uintptr_t>(base), true);
    boost::context::stack_context context;
    context.size = total;
    context.sp = static_cast<char*>(base) + total;
    *low_ = static_cast<const char*>(base) + page_size();
    *usable_ = total - page_size();
    return context;
  }

  void deallocate(boost::context::stack_context& context) noexcept {
    void* base = static_cast<char*>(context.sp) - context.size;
    track_guard(reinterpret_cast<std::uintptr_t>(base), false);
#ifdef OTP_ASAN
    // A fiber destroyed while parked leaves its frames' redzones poisoned in the shadow; memory
    // mapped there later (another thread's stack and TLS) would be reported as a stack overflow.
    __asan_unpoison_memory_region(base, context.size);
#endif
    ::munmap(base, context.size);
  }

 private:
  std::size_t size_;
  const char** low_;
  std::size_t* usable_;
};

void overflow_handler(int signal, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  const std::uintptr_t page = address & ~(page_size() - 1);
  for (const auto& slot : guard_pages) {
    if (slot.load(std::memory_order_relaxed) == page) {
      static const char message[] =
          "otp-cpp: a process overflowed its fiber stack (guard page hit); raise runtime_options::fiber_stack_size\n";
      [[maybe_unused]] auto written = ::write(STDERR_FILENO, message, sizeof(message) - 1);
      break;
    }
  }
  // Fall back to the default action so the OS process dies with SIGSEGV (and a core, if enabled).
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

// Sanitizer bookkeeping around a switch from the current stack to a target stack.
inline void before_switch([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* target_bottom,
                          [[maybe_unused]] std::size_t target_size, [[maybe_unused]] void* tsan_target) {
#ifdef OTP_ASAN
  __sanitizer_start_switch_fiber(fake_stack_save, target_bottom, target_size);
#endif
#ifdef OTP_TSAN
  if (tsan_target != nullptr) __tsan_switch_to_fiber(tsan_target, 0);
#endif
}

inline void after_switch([[maybe_unused]] void* fake_stack, [[maybe_unused]] const void** previous_bottom,
                         [[maybe_unused]] std::size_t* previous_size) {
#ifdef OTP_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, previous_bottom, previous_size);
#endif
}

}  // namespace

__attribute__((noinline)) thread_context* current_thread_context() noexcept {
  thread_context* context = tls_thread_context;
  asm volatile("" ::: "memory");  // never let the compiler reuse a TLS address across a fiber switch
  return context;
}

__attribute__((noinline)) void set_current_thread_context(thread_context* context) noexcept {
  tls_thread_context = context;
#ifdef OTP_TSAN
  if (context != nullptr) context->tsan_fiber = __tsan_get_current_fiber();
#endif
}

worker_fiber::worker_fiber(std::size_t stack_size) {
#ifdef OTP_TSAN
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
  fiber_ = boost::context::fiber(
      std::allocator_arg, guarded_stack_allocator(stack_size, &stack_low_, &stack_size_),
      [this](boost::context::fiber&& scheduler_context) { return loop(std::move(scheduler_context)); });
}

worker_fiber::~worker_fiber() {
  if (fiber_) {
    quit_ = true;
    thread_context* context = current_thread_context();
    before_switch(&context->asan_fake_stack, stack_low_, stack_size_, tsan_fiber_);
    fiber_ = std::move(fiber_).resume();
    after_switch(context->asan_fake_stack, nullptr, nullptr);
#ifdef OTP_TSAN
    // The fiber's last steps ran on its own TSan fiber (see loop()); come back to ours.
    __tsan_switch_to_fiber(context->tsan_fiber, 0);
#endif
  }
#ifdef OTP_TSAN
  __tsan_destroy_fiber(tsan_fiber_);
#endif
}

slice_end worker_fiber::run(process_control_block* p) {
  thread_context* context = current_thread_context();
  job_ = p;
  released_ = false;
  context->running = this;
  before_switch(&context->asan_fake_stack, stack_low_, stack_size_, tsan_fiber_);
  fiber_ = std::move(fiber_).resume();
  after_switch(context->asan_fake_stack, nullptr, nullptr);
  context->running = nullptr;
  return end_;
}

void worker_fiber::arrived(boost::context::fiber&& scheduler_context) {
  thread_context* context = current_thread_context();
  after_switch(asan_fake_stack_, &context->stack_bottom, &context->stack_size);
  context->scheduler_fiber = std::move(scheduler_context);
}

void worker_fiber::switch_to_scheduler(bool finishing) {
  thread_context* context = current_thread_context();
  before_switch(finishing ? nullptr : &asan_fake_stack_, context->stack_bottom, context->stack_size,
                context->tsan_fiber);
  boost::context::fiber back = std::move(context->scheduler_fiber).resume();
  arrived(std::move(back));
}

void worker_fiber::park(slice_end end) {
  end_ = end;
  switch_to_scheduler(false);
}

boost::context::fiber worker_fiber::loop(boost::context::fiber&& scheduler_context) {
  arrived(std::move(scheduler_context));
  while (!quit_) {
    end_ = job_->execute();
    released_ = true;
    job_ = nullptr;
    switch_to_scheduler(false);
  }
  // Leaving for good. TSan stays on this fiber's shadow stack: Boost's exit code still runs
  // instrumented frames after we return, and they must not land on the scheduler's stack.
  thread_context* context = current_thread_context();
  before_switch(nullptr, context->stack_bottom, context->stack_size, nullptr);
  return std::move(context->scheduler_fiber);
}

void install_stack_overflow_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = overflow_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGSEGV, &action, nullptr);
  });
}

void enable_overflow_handler_for_this_thread() {
  static thread_local std::unique_ptr<char[]> alternate_stack;
  if (alternate_stack) return;
  const std::size_t size = 64 * 1024;
  alternate_stack = std::make_unique<char[]>(size);
  stack_t stack{};
  stack.ss_sp = alternate_stack.get();
  stack.ss_size = size;
  ::sigaltstack(&stack, nullptr);
}

}  // namespace otp::detail
