// runtime_state — the parts of the running runtime that processes reach (private).
//
// Created and destroyed by otp::runtime; at most one exists. Signals addressed to other nodes'
// processes go to distribution (send_signal -> dist/router.hpp); while the node is not alive they
// are dropped, as a send to an unreachable node is.
//
// Thread-safety: members are thread-safe; the global pointer is set before any process runs and
// cleared after the last one ended.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

#include "processes/process_table.hpp"
#include "processes/scheduler.hpp"
#include "processes/timer_service.hpp"

namespace otp::detail {

struct runtime_state {
  runtime_state(std::size_t max_processes, unsigned schedulers, std::size_t fiber_stack_size,
                unsigned messages_per_slice, std::chrono::microseconds idle_poll_spin, std::size_t max_queue_bytes)
      : table(max_processes),
        pool(schedulers, fiber_stack_size, messages_per_slice, idle_poll_spin),
        max_message_queue_bytes(max_queue_bytes) {}

  process_table table;
  std::atomic<bool> stopping{false};  // set by ~runtime: no new process may start
  scheduler_pool pool;
  timer_service timers;
  const std::size_t max_message_queue_bytes;  // 0: no limit
};

// The running runtime's state (nullptr when none): read on every message, so inline.
extern std::atomic<runtime_state*> running_runtime_state;

inline runtime_state* runtime_state_or_null() noexcept { return running_runtime_state.load(std::memory_order_acquire); }
[[noreturn]] void throw_no_runtime();
// The running runtime's state; throws std::logic_error when no runtime exists.
inline runtime_state& the_runtime_state() {
  runtime_state* s = runtime_state_or_null();
  if (s == nullptr) [[unlikely]]
    throw_no_runtime();
  return *s;
}
void set_runtime_state(runtime_state* s) noexcept;

}  // namespace otp::detail
