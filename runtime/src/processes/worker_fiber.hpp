// worker_fiber — a stackful fiber on which scheduler threads run processes (private).
//
// Each fiber loops: run the process it is given until that process waits, yields or ends, then
// switch back to the scheduler thread that resumed it. A process that waits mid-way keeps the
// fiber (its stack holds the user's frames); otherwise the fiber returns to a pool. Fibers move
// between scheduler threads freely.
//
// Stacks are mmap'ed with a guard page below them (Boost.Context's protected_fixedsize_stack): an
// overflow faults on the guard page instead of corrupting memory, and the fault handler installed
// by the runtime names the overflow before aborting.
//
// Switches are annotated for AddressSanitizer and ThreadSanitizer so both follow the stacks.
//
// Thread-safety: a fiber is used by one thread at a time (the scheduler that resumed it).
#pragma once

#include <boost/context/fiber.hpp>
#include <cstddef>

#include "processes/process_control_block.hpp"

namespace otp::detail {

class scheduler;

class worker_fiber {
 public:
  explicit worker_fiber(std::size_t stack_size);
  // Ends the fiber's loop; must be called on a scheduler thread while the fiber is idle.
  ~worker_fiber();
  worker_fiber(const worker_fiber&) = delete;
  worker_fiber& operator=(const worker_fiber&) = delete;

  // Scheduler side: runs `p` (a new slice, or the continuation of a parked one) until it switches
  // back. Returns how the slice ended; `released()` tells whether the process gave the fiber back.
  slice_end run(process_control_block* p);
  bool released() const noexcept { return released_; }
  // The process this fiber runs (valid from run() until the slice ends).
  process_control_block* current_job() const noexcept { return job_; }

  // Process side: leaves for the scheduler with `end`, keeping this fiber; returns when resumed.
  void park(slice_end end);

  // Bounds of the usable stack (for the overflow handler).
  const char* stack_low() const noexcept { return stack_low_; }
  std::size_t stack_size() const noexcept { return stack_size_; }

 private:
  boost::context::fiber loop(boost::context::fiber&& scheduler_context);
  void switch_to_scheduler(bool finishing);
  void arrived(boost::context::fiber&& scheduler_context);

  boost::context::fiber fiber_;
  process_control_block* job_ = nullptr;
  slice_end end_ = slice_end::wait;
  bool released_ = false;
  bool quit_ = false;
  const char* stack_low_ = nullptr;
  std::size_t stack_size_ = 0;
  void* asan_fake_stack_ = nullptr;
  void* tsan_fiber_ = nullptr;
};

// Per scheduler thread: where a fiber returns to, and the annotations of that thread's stack.
struct thread_context {
  boost::context::fiber scheduler_fiber;
  worker_fiber* running = nullptr;
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
};

// The scheduler thread's context; nullptr on other threads. Never cached across a fiber switch
// (a fiber may resume on another thread), hence not inline.
thread_context* current_thread_context() noexcept;
void set_current_thread_context(thread_context* context) noexcept;

// Installs, once per OS process, a SIGSEGV handler on an alternate stack that reports a fiber stack
// overflow; `enable_for_this_thread` gives the calling thread its alternate stack.
void install_stack_overflow_handler();
void enable_overflow_handler_for_this_thread();

}  // namespace otp::detail
