// scheduler — the threads that run processes (private; DESIGN D3).
//
// N threads, each with its own run queue. A process woken by a process running on a scheduler
// thread joins that thread's queue (a request and its reply stay on one core); an idle thread
// steals from the others, and a sleeping thread is woken when a queue holds more work than its
// owner is about to take. Each process runs for a bounded number of messages before it goes to
// the back of the queue (fairness).
//
// Thread-safety: `schedule` may be called from any thread; start/stop from the owning runtime.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "process_control_block.hpp"
#include "worker_fiber.hpp"

namespace otp::detail {

class scheduler_pool {
 public:
  scheduler_pool(unsigned threads, std::size_t fiber_stack_size, unsigned messages_per_slice);
  ~scheduler_pool();
  scheduler_pool(const scheduler_pool&) = delete;
  scheduler_pool& operator=(const scheduler_pool&) = delete;

  void start();
  // Stops the threads once every process has ended (the runtime kills them first).
  void stop();

  // Puts a process whose state just became `queued` into a run queue.
  void schedule(process_control_block* p);

  unsigned messages_per_slice() const noexcept { return messages_per_slice_; }

  // Processes alive (spawned and not yet freed); stop() waits for zero.
  void process_started() noexcept { live_processes_.fetch_add(1, std::memory_order_relaxed); }
  // True when no process is left; false when `limit` passed first.
  bool wait_until_no_processes(std::chrono::milliseconds limit);

  struct thread_state;  // one scheduler thread (defined in scheduler.cpp)

 private:
  void thread_main(thread_state& self);
  process_control_block* take_work(thread_state& self);
  process_control_block* pop_local(thread_state& self);
  process_control_block* steal(thread_state& thief, const std::vector<std::uint64_t>& seen_slices,
                               bool looked_long_enough);
  void run_one(thread_state& self, process_control_block* p);
  void process_freed();
  void wake_one(thread_state* preferred);
  worker_fiber* take_fiber(thread_state& self);
  void return_fiber(thread_state& self, worker_fiber* fiber);

  std::vector<std::unique_ptr<thread_state>> threads_;
  std::size_t fiber_stack_size_;
  unsigned messages_per_slice_;
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned> sleepers_{0};
  std::atomic<unsigned> round_robin_{0};
  std::atomic<std::size_t> live_processes_{0};
  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;
};

}  // namespace otp::detail
