// scheduler — the threads that run processes (private).
//
// N threads, each with its own run queue. A process woken by a process running on a scheduler
// thread joins that thread's queue (a request and its reply stay on one core); an idle thread
// steals from the others, and a sleeping thread is woken when a queue holds more work than its
// owner is about to take. Each process runs for a bounded number of messages before it goes to
// the back of the queue (fairness). With an idle_poller installed, one idle thread waits in its
// event loop rather than asleep, and runs the process an event wakes itself.
//
// The invariant that keeps a runnable process from being stranded: a process whose state is
// `queued` is in exactly one run queue, and every queue that holds one is looked at within a
// bounded time — by its owner, which takes its own next process itself before it looks elsewhere
// or waits; by a thread woken because the queue holds more than its owner is about to take or
// because the work came from outside the schedulers (a timer, the IO thread, a foreign thread);
// or by an idle thread's look around, at most every 5 ms while another thread is awake, which also
// steals a lone process from a thread that has not started a new slice while it looked. So while
// any scheduler thread is idle, a queued process waits a few milliseconds at most; a wait of
// seconds has a cause outside the scheduler (under ThreadSanitizer a new fiber costs ~5 ms:
// docs/design-notes.md).
//
// Idle cost: a thread that goes to sleep while every other thread sleeps too, after a look that saw
// no event and no slice anywhere, sleeps with no deadline (deeply), as does the poller's holder;
// nothing can be queued unseen then. The first
// thread to leave its sleep and queue a lone process behind its own slice rouses one deep sleeper
// back to the 5 ms looks (registration before the check, the queue before the count: seq_cst on
// both sides). So a node with nothing to do wakes no thread, and the looks cost only while busy.
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

#include "processes/idle_poller.hpp"
#include "processes/message_counters.hpp"
#include "processes/process_control_block.hpp"
#include "processes/worker_fiber.hpp"

namespace otp::detail {

// Work a running process leaves for later, done by its thread once its run queue is empty (before
// it looks elsewhere or waits) or after a few more slices: distribution corks the frames that the
// processes of one thread send, so that they leave in one write.
class deferred_flush {
 public:
  virtual ~deferred_flush() = default;
  virtual void flush_deferred() = 0;
};

// One scheduler thread as runtime::statistics reports it.
struct scheduler_thread_statistics {
  std::size_t run_queue = 0;  // processes queued on it now
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
};

class scheduler_pool {
 public:
  scheduler_pool(unsigned threads, std::size_t fiber_stack_size, unsigned messages_per_slice,
                 std::chrono::microseconds idle_poll_spin);
  ~scheduler_pool();
  scheduler_pool(const scheduler_pool&) = delete;
  scheduler_pool& operator=(const scheduler_pool&) = delete;

  void start();
  // Stops the threads once every process has ended (the runtime kills them first).
  void stop();

  // Puts a process whose state just became `queued` into a run queue.
  void schedule(process_control_block* p);

  unsigned messages_per_slice() const noexcept { return messages_per_slice_; }

  // From a running process: `task` runs on this thread as deferred_flush says (once, however
  // often it is deferred meanwhile). False, and nothing deferred, outside a process.
  static bool defer_flush(const std::shared_ptr<deferred_flush>& task);

  // Idle threads poll `poller` from now on (one installed at a time; it must outlive its
  // clear_idle_poller call, after which no thread starts polling it; one still polling returns
  // from its `poll`, and the owner waits for it with take_turn).
  void set_idle_poller(idle_poller* poller);
  void clear_idle_poller();

  // Processes alive (spawned and not yet freed); stop() waits for zero.
  void process_started() noexcept { live_processes_.fetch_add(1, std::memory_order_relaxed); }
  // True when no process is left; false when `limit` passed first.
  bool wait_until_no_processes(std::chrono::milliseconds limit);

  // Each thread's run queue and message counters, in thread order (a snapshot: it takes each queue's
  // lock in turn).
  std::vector<scheduler_thread_statistics> statistics() const;

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
  void wait_for_work(thread_state& self);
  bool poll_for_work(thread_state& self, idle_poller& poller, bool deeply);  // true: an event came
  std::uint64_t slices_run() const;
  void rouse_one();
  bool enter_deep_sleep(thread_state& self);  // under self.sleep_mutex
  void leave_deep_sleep(thread_state& t);     // under t.sleep_mutex
  static void run_deferred_flushes(thread_state& self);
  idle_poller* take_poll_turn();
  worker_fiber* take_fiber(thread_state& self);
  void return_fiber(thread_state& self, worker_fiber* fiber);

  std::vector<std::unique_ptr<thread_state>> threads_;
  std::size_t fiber_stack_size_;
  unsigned messages_per_slice_;
  std::chrono::microseconds idle_poll_spin_;
  std::atomic<bool> stopping_{false};
  std::atomic<unsigned> sleepers_{0};
  std::atomic<unsigned> deep_sleepers_{0};
  std::atomic<unsigned> round_robin_{0};
  std::atomic<std::size_t> live_processes_{0};
  std::mutex poller_mutex_;
  idle_poller* poller_ = nullptr;  // guarded by poller_mutex_
  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;
};

}  // namespace otp::detail
