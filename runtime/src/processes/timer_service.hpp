// timer_service — one thread that fires the runtime's timers (private).
//
// Two kinds of timer: a receive timeout (wakes a process waiting in receive, or a gen_server with
// a timeout action) and a message timer (send_after/start_timer, delivers a message). Firing
// only ever sends a signal by pid or name, so a timer never touches a dead process. Timers are
// ordered by deadline; cancelling one is O(log n).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "otp/term.hpp"

namespace otp::detail {

class timer_service {
 public:
  using clock = std::chrono::steady_clock;

  timer_service();
  ~timer_service();
  timer_service(const timer_service&) = delete;
  timer_service& operator=(const timer_service&) = delete;

  // What cancel_receive_timeout needs to find the timer again.
  struct handle {
    clock::time_point deadline;
    std::uint64_t id = 0;
  };
  handle start_receive_timeout(clock::time_point deadline, pid_parts pid, std::uint64_t sequence);
  void cancel_receive_timeout(handle h);

  // The message goes to `destination` (pid or name) at `deadline`; `ref` identifies the timer.
  void start_message_timer(clock::time_point deadline, const term& ref, term destination, term message);
  // Time left, or nullopt when the timer fired already or never existed.
  std::optional<std::chrono::milliseconds> cancel_message_timer(const term& ref);

 private:
  struct entry {
    pid_parts pid{};
    std::uint64_t sequence = 0;  // receive timeout
    term ref;                    // message timer
    term destination;
    term message;
  };
  using key = std::pair<clock::time_point, std::uint64_t>;

  void thread_main();
  void fire(entry& e);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<key, entry> timers_;
  std::unordered_map<term, key, term_hash> message_timers_;  // ref -> its place in timers_
  std::uint64_t next_handle_ = 1;
  // When the timer thread wakes by itself; a new timer only needs to wake it when due earlier.
  // Cancelling never wakes it: waking at a stale deadline finds nothing due and goes back to sleep.
  clock::time_point wake_at_ = clock::time_point::max();
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace otp::detail
