// otp::runtime — the scheduler threads and process table of this OS process.
//
// One runtime exists at a time (constructing a second throws). It starts `schedulers` threads
// that run processes, and a timer thread. Its destructor refuses new spawns (they throw), kills
// every remaining process (exit reason `kill`), waits for them to end and joins the threads.
//
// `run` lets a plain thread (main, a test) do process work: it spawns a process running `fn`,
// waits for it to finish and returns its result or rethrows its exception.
//
// Thread-safety: `run`, `current` and the accessors may be called from any thread; construction
// and destruction must not race with anything else.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "otp/process.hpp"

namespace otp {

struct runtime_options {
  unsigned schedulers = 0;                    // 0: one per core
  std::size_t fiber_stack_size = 256 * 1024;  // bytes, plus a guard page that catches overflow
  std::size_t max_processes = 1u << 20;
  unsigned messages_per_slice = 200;  // fairness budget before a busy process yields its thread
  // How long an idle scheduler thread that waits on a live node's sockets keeps polling them
  // before it blocks (as Erlang's schedulers busy-wait, +sbwt): an answer that comes sooner is
  // handled without a thread being woken. It yields the core while it polls. 0: block at once.
  std::chrono::microseconds idle_poll_spin{100};
  // The most a process's message queue may hold, in bytes, as Erlang's max_heap_size with kill:
  // a process whose queue grows past it is killed (exit reason `killed`, so its supervisor
  // restarts it) with an error report. A message from another node counts at its size on the
  // wire; a local one, whose term the receiver shares with its sender, at its top-level object.
  // 0: no limit.
  std::size_t max_message_queue_bytes = std::size_t{1} << 30;
};

// What runtime::statistics reports: counters since the runtime started and queues now. Messages
// are counted by each scheduler thread for itself (no shared counter on the message path): sent
// counts messages, calls and replies addressed to a process (here or on another node), received
// counts messages that entered a local process's queue.
struct scheduler_statistics {
  std::size_t run_queue = 0;  // processes waiting in this thread's run queue now
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
};
struct runtime_statistics {
  std::size_t processes = 0;
  std::uint64_t messages_sent = 0;  // the scheduler threads' and those sent from other threads
  std::uint64_t messages_received = 0;
  std::vector<scheduler_statistics> schedulers;  // one per scheduler thread (otp-sched-N)
};

class runtime {
 public:
  explicit runtime(runtime_options options = {});
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  // The running runtime; throws std::logic_error when none exists.
  static runtime& current();

  unsigned scheduler_count() const noexcept;
  const runtime_options& options() const noexcept;
  // Processes alive now.
  std::size_t process_count() const noexcept;
  // Processes, messages and run queues (a snapshot; cheap: no process is asked anything).
  runtime_statistics statistics() const;

  template <class Fn>
  auto run(Fn&& fn) -> std::invoke_result_t<Fn> {
    using result_t = std::invoke_result_t<Fn>;
    struct none {};
    std::optional<std::conditional_t<std::is_void_v<result_t>, none, result_t>> value;
    // An exit crosses threads as its reason (a term), not as a shared exception object.
    std::optional<term> exit_reason;
    std::exception_ptr error;
    std::promise<void> done;
    auto finished = done.get_future();
    spawn([&] {
      try {
        if constexpr (std::is_void_v<result_t>) {
          fn();
          value.emplace();
        } else {
          value.emplace(fn());
        }
      } catch (const detail::forced_exit& killed) {
        exit_reason = killed.reason;
        done.set_value();
        throw;
      } catch (const exit_exception& e) {
        exit_reason = e.reason();
      } catch (...) {
        error = std::current_exception();
      }
      done.set_value();
    });
    finished.wait();
    if (exit_reason) throw exit_exception(*exit_reason);
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<result_t>) return std::move(*value);
  }

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace otp
