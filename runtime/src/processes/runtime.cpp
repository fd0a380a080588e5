#include "otp/runtime.hpp"

#include <stdexcept>
#include <thread>

#include "dist/router.hpp"
#include "processes/runtime_state.hpp"
#include "processes/worker_fiber.hpp"

namespace otp {
namespace detail {
namespace {
std::atomic<runtime*> the_runtime{nullptr};
}  // namespace

std::atomic<runtime_state*> running_runtime_state{nullptr};

void throw_no_runtime() { throw std::logic_error("no otp::runtime is running"); }

void set_runtime_state(runtime_state* s) noexcept { running_runtime_state.store(s, std::memory_order_release); }
}  // namespace detail

struct runtime::impl {
  runtime_options options;
  detail::runtime_state state;

  explicit impl(const runtime_options& o)
      : options(o),
        state(o.max_processes, o.schedulers, o.fiber_stack_size, o.messages_per_slice, o.idle_poll_spin,
              o.max_message_queue_bytes) {}
};

namespace {
runtime_options resolved(runtime_options options) {
  if (options.schedulers == 0) options.schedulers = std::max(1u, std::thread::hardware_concurrency());
  if (options.messages_per_slice == 0) options.messages_per_slice = 1;
  return options;
}
}  // namespace

runtime::runtime(runtime_options options) {
  runtime* expected = nullptr;
  if (!detail::the_runtime.compare_exchange_strong(expected, this))
    throw std::logic_error("an otp::runtime is already running in this OS process");
  try {
    impl_ = std::make_unique<impl>(resolved(options));
  } catch (...) {
    detail::the_runtime.store(nullptr);
    throw;
  }
#if !defined(__SANITIZE_ADDRESS__)
  detail::install_stack_overflow_handler();  // AddressSanitizer reports overflows itself
#endif
  detail::set_runtime_state(&impl_->state);
  impl_->state.pool.start();
}

runtime::~runtime() {
  // Kill what is left (again if dying processes started others), wait until every process has
  // announced its death, then stop the threads.
  detail::dist::shutdown_for_runtime();  // connections deliver into processes: close them first
  impl_->state.stopping.store(true);
  do {
    for (const term& pid : impl_->state.table.pids()) exit(pid, term(atoms::kill));
  } while (!impl_->state.pool.wait_until_no_processes(std::chrono::milliseconds(100)));
  impl_->state.pool.stop();
  detail::set_runtime_state(nullptr);
  impl_.reset();
  detail::the_runtime.store(nullptr);
}

runtime& runtime::current() {
  runtime* r = detail::the_runtime.load(std::memory_order_acquire);
  if (r == nullptr) throw std::logic_error("no otp::runtime is running");
  return *r;
}

unsigned runtime::scheduler_count() const noexcept { return impl_->options.schedulers; }
const runtime_options& runtime::options() const noexcept { return impl_->options; }
std::size_t runtime::process_count() const noexcept { return impl_->state.table.size(); }

runtime_statistics runtime::statistics() const {
  runtime_statistics r;
  r.processes = impl_->state.table.size();
  r.messages_sent = detail::foreign_messages_sent.load(std::memory_order_relaxed);
  for (const detail::scheduler_thread_statistics& t : impl_->state.pool.statistics()) {
    r.schedulers.push_back({t.run_queue, t.messages_sent, t.messages_received});
    r.messages_sent += t.messages_sent;
    r.messages_received += t.messages_received;
  }
  return r;
}

}  // namespace otp
