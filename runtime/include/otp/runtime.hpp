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

#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <type_traits>

#include "otp/process.hpp"

namespace otp {

struct runtime_options {
  unsigned schedulers = 0;                  // 0: one per core
  std::size_t fiber_stack_size = 256 * 1024;  // bytes, plus a guard page that catches overflow
  std::size_t max_processes = 1u << 20;
  unsigned messages_per_slice = 200;  // fairness budget before a busy process yields its thread
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

  template <class Fn>
  auto run(Fn&& fn) -> std::invoke_result_t<Fn> {
    using result_t = std::invoke_result_t<Fn>;
    std::promise<result_t> done;
    auto future = done.get_future();
    spawn([&fn, &done] {
      try {
        if constexpr (std::is_void_v<result_t>) {
          fn();
          done.set_value();
        } else {
          done.set_value(fn());
        }
      } catch (const detail::forced_exit& killed) {
        done.set_exception(std::make_exception_ptr(exit_exception(killed.reason)));
        throw;
      } catch (const exit_exception& e) {
        // A copy: the waiting thread must not share the exception object with this one.
        done.set_exception(std::make_exception_ptr(exit_exception(e.reason())));
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
    return future.get();
  }

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace otp
