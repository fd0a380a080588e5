#include "processes/scheduler.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>

namespace otp::detail {
namespace {
constexpr std::size_t max_pooled_fibers = 16;
constexpr std::size_t max_stolen = 64;
constexpr int spins_before_sleep = 64;
constexpr unsigned max_slices_before_flush = 16;
constexpr std::chrono::milliseconds idle_recheck{5};
}  // namespace

struct scheduler_pool::thread_state {
  unsigned index = 0;
  std::thread thread;
  std::mutex queue_mutex;
  std::deque<process_control_block*> queue;
  std::mutex sleep_mutex;
  std::condition_variable sleep_cv;
  bool sleeping = false;               // guarded by sleep_mutex
  bool woken = false;                  // guarded by sleep_mutex
  bool sleeping_deeply = false;        // guarded by sleep_mutex: asleep with no deadline (see rouse_one)
  bool roused = false;                 // guarded by sleep_mutex: a deep sleep was ended by rouse_one
  bool last_poll_ran_handler = false;  // owner only: spin on the next poll only after an active one
  bool last_wait_was_quiet = false;    // owner only: the last look saw no event and no slice anywhere
  idle_poller* polling = nullptr;      // guarded by sleep_mutex: set while this thread waits in a poll
  thread_context context;
  std::vector<worker_fiber*> fibers;       // idle fibers of this thread (owner only)
  std::atomic<std::uint64_t> slices{0};    // slices started; a thief reads it to see a thread stuck in one
  std::vector<std::uint64_t> seen_slices;  // owner only: the others' `slices` when it began looking
  bool in_slice = false;                   // owner only: a process runs on this thread
  std::vector<std::shared_ptr<deferred_flush>> deferred_flushes;  // owner only
  unsigned slices_since_flush = 0;                                // owner only
  thread_message_counters messages;                               // written by the owner only (message_counters.hpp)
};

__attribute__((tls_model("initial-exec"))) thread_local thread_message_counters* tls_message_counters = nullptr;
std::atomic<std::uint64_t> foreign_messages_sent{0};

namespace {
__attribute__((tls_model("initial-exec"))) thread_local scheduler_pool::thread_state* tls_state = nullptr;
}

scheduler_pool::scheduler_pool(unsigned threads, std::size_t fiber_stack_size, unsigned messages_per_slice,
                               std::chrono::microseconds idle_poll_spin)
    : fiber_stack_size_(fiber_stack_size), messages_per_slice_(messages_per_slice), idle_poll_spin_(idle_poll_spin) {
  for (unsigned i = 0; i < threads; ++i) {
    threads_.push_back(std::make_unique<thread_state>());
    threads_.back()->index = i;
    threads_.back()->seen_slices.resize(threads);
  }
}

scheduler_pool::~scheduler_pool() { stop(); }

void scheduler_pool::start() {
  for (auto& t : threads_) t->thread = std::thread([this, state = t.get()] { thread_main(*state); });
}

void scheduler_pool::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& t : threads_) {
    std::lock_guard lock(t->sleep_mutex);
    t->woken = true;
    if (t->polling != nullptr)
      t->polling->interrupt();
    else
      t->sleep_cv.notify_one();
  }
  for (auto& t : threads_)
    if (t->thread.joinable()) t->thread.join();
}

bool scheduler_pool::wait_until_no_processes(std::chrono::milliseconds limit) {
  std::unique_lock lock(idle_mutex_);
  return idle_cv_.wait_for(lock, limit, [this] { return live_processes_.load(std::memory_order_acquire) == 0; });
}

void scheduler_pool::process_freed() {
  if (live_processes_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard lock(idle_mutex_);
    idle_cv_.notify_all();
  }
}

void scheduler_pool::schedule(process_control_block* p) {
  thread_state* local = tls_state;
  thread_state* target = local != nullptr ? local : threads_[round_robin_.fetch_add(1) % threads_.size()].get();
  std::size_t queued;
  {
    std::lock_guard lock(target->queue_mutex);
    target->queue.push_back(p);
    queued = target->queue.size();
  }
  // A scheduler thread takes its own next process itself; wake a helper only for surplus work,
  // or when the work comes from outside the schedulers.
  if (local == nullptr || queued > 1)
    wake_one(local == nullptr ? target : nullptr);
  else if (deep_sleepers_.load(std::memory_order_seq_cst) > 0)
    rouse_one();  // the owner may compute for long: someone must look at its queue meanwhile
}

void scheduler_pool::set_idle_poller(idle_poller* poller) {
  {
    std::lock_guard lock(poller_mutex_);
    poller_ = poller;
  }
  rouse_one();  // a thread asleep with no deadline would only take up the poller when next woken
}

void scheduler_pool::clear_idle_poller() {
  std::lock_guard lock(poller_mutex_);
  poller_ = nullptr;
}

bool scheduler_pool::defer_flush(const std::shared_ptr<deferred_flush>& task) {
  thread_state* self = tls_state;
  if (self == nullptr || !self->in_slice) return false;
  if (std::find(self->deferred_flushes.begin(), self->deferred_flushes.end(), task) == self->deferred_flushes.end())
    self->deferred_flushes.push_back(task);
  return true;
}

void scheduler_pool::run_deferred_flushes(thread_state& self) {
  self.slices_since_flush = 0;
  if (self.deferred_flushes.empty()) return;
  for (const auto& task : self.deferred_flushes) task->flush_deferred();
  self.deferred_flushes.clear();
}

idle_poller* scheduler_pool::take_poll_turn() {
  std::lock_guard lock(poller_mutex_);
  return poller_ != nullptr && poller_->try_take_turn() ? poller_ : nullptr;
}

void scheduler_pool::wake_one(thread_state* preferred) {
  if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
  auto try_wake = [](thread_state& t) {
    if (&t == tls_state) return false;  // a thread polling its event loop, scheduling from a handler
    std::lock_guard lock(t.sleep_mutex);
    if (!t.sleeping || t.woken) return false;
    t.woken = true;
    if (t.polling != nullptr)
      t.polling->interrupt();
    else
      t.sleep_cv.notify_one();
    return true;
  };
  if (preferred != nullptr && try_wake(*preferred)) return;
  for (auto& t : threads_)
    if (try_wake(*t)) return;
}

void scheduler_pool::rouse_one() {
  for (auto& t : threads_) {
    if (t.get() == tls_state) continue;
    std::lock_guard lock(t->sleep_mutex);
    if (!t->sleeping_deeply) continue;
    leave_deep_sleep(*t);
    t->roused = true;
    if (t->polling != nullptr)
      t->polling->interrupt();
    else
      t->sleep_cv.notify_one();
    return;
  }
}

bool scheduler_pool::enter_deep_sleep(thread_state& self) {
  // Registered first, then the check: a thread that wakes after the check and queues a process
  // behind its own slice sees the registration and rouses this one (schedule).
  self.sleeping_deeply = true;
  deep_sleepers_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) == threads_.size()) return true;
  leave_deep_sleep(self);
  return false;
}

void scheduler_pool::leave_deep_sleep(thread_state& t) {
  t.sleeping_deeply = false;
  deep_sleepers_.fetch_sub(1, std::memory_order_seq_cst);
}

process_control_block* scheduler_pool::steal(thread_state& thief, const std::vector<std::uint64_t>& seen_slices,
                                             bool looked_long_enough) {
  for (std::size_t k = 1; k < threads_.size(); ++k) {
    thread_state& victim = *threads_[(thief.index + k) % threads_.size()];
    std::unique_lock lock(victim.queue_mutex, std::try_to_lock);
    if (!lock.owns_lock() || victim.queue.empty()) continue;
    // A single waiting process stays with its thread (a request and its reply share a core)
    // unless that thread has been busy with one slice for as long as we have been looking.
    const bool stuck = looked_long_enough && victim.slices.load(std::memory_order_relaxed) == seen_slices[victim.index];
    if (victim.queue.size() == 1 && !stuck) continue;
    // Take the older half (at most a batch); run the first, queue the rest here.
    std::array<process_control_block*, max_stolen> taken;
    const std::size_t take = std::min((victim.queue.size() + 1) / 2, max_stolen);
    std::copy_n(victim.queue.begin(), take, taken.begin());
    victim.queue.erase(victim.queue.begin(), victim.queue.begin() + static_cast<long>(take));
    lock.unlock();
    if (take > 1) {
      std::lock_guard own(thief.queue_mutex);
      thief.queue.insert(thief.queue.end(), taken.begin() + 1, taken.begin() + static_cast<long>(take));
    }
    return taken[0];
  }
  return nullptr;
}

process_control_block* scheduler_pool::pop_local(thread_state& self) {
  std::lock_guard lock(self.queue_mutex);
  if (self.queue.empty()) return nullptr;
  process_control_block* p = self.queue.front();
  self.queue.pop_front();
  return p;
}

process_control_block* scheduler_pool::take_work(thread_state& self) {
  {
    std::unique_lock lock(self.queue_mutex);
    if (!self.queue.empty()) {
      process_control_block* p = self.queue.front();
      self.queue.pop_front();
      if (!self.queue.empty() && sleepers_.load(std::memory_order_relaxed) > 0) {
        lock.unlock();
        wake_one(nullptr);  // let a sleeping thread share what is left
      }
      if (++self.slices_since_flush >= max_slices_before_flush) run_deferred_flushes(self);
      return p;
    }
  }
  run_deferred_flushes(self);  // this thread's queue is empty: what its slices corked goes out now
  // Nothing here: look at the others, remembering how far each has got.
  std::vector<std::uint64_t>& seen_slices = self.seen_slices;
  auto look_at_others = [&] {
    for (auto& t : threads_) seen_slices[t->index] = t->slices.load(std::memory_order_relaxed);
  };
  look_at_others();
  for (int spin = 0;; ++spin) {
    if (process_control_block* p = pop_local(self)) return p;
    if (process_control_block* p = steal(self, seen_slices, spin >= spins_before_sleep / 2)) return p;
    if (stopping_.load(std::memory_order_acquire)) return nullptr;
    if (spin < spins_before_sleep) {
      __builtin_ia32_pause();
      continue;
    }
    // Sleep. Announce it first, then look once more, so a concurrent schedule() either sees the
    // sleeper or its work is seen here.
    {
      std::lock_guard lock(self.sleep_mutex);
      self.sleeping = true;
      self.woken = false;
    }
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    process_control_block* found = pop_local(self);
    if (found == nullptr) found = steal(self, seen_slices, true);
    if (found == nullptr && !stopping_.load(std::memory_order_acquire)) wait_for_work(self);
    {
      std::lock_guard lock(self.sleep_mutex);
      self.sleeping = false;
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    if (found != nullptr) return found;
    spin = 0;
    look_at_others();
  }
}

void scheduler_pool::wait_for_work(thread_state& self) {
  // Woken for surplus work, or by an event when polling. While another thread is awake, also a
  // look around every few milliseconds, for the one process queued behind a long computation on
  // another thread (it is never woken for). After one whole quiet look (no event, no slice run
  // anywhere) with every other thread asleep too, nothing can be queued unseen, so the thread
  // sleeps with no deadline: an idle node does no work at all.
  const std::uint64_t slices_before = slices_run();
  std::unique_lock lock(self.sleep_mutex);
  const bool deeply = !self.woken && self.last_wait_was_quiet && enter_deep_sleep(self);
  bool event = false;
  idle_poller* const poller = take_poll_turn();
  if (poller != nullptr) {
    if (!self.woken && !self.roused) self.polling = poller;
    lock.unlock();
    if (self.polling != nullptr) event = poll_for_work(self, *poller, deeply);
    lock.lock();
    self.polling = nullptr;
  } else if (deeply) {
    self.sleep_cv.wait(lock, [&] { return self.woken || self.roused; });
  } else {
    self.sleep_cv.wait_for(lock, idle_recheck, [&] { return self.woken; });
  }
  if (self.sleeping_deeply) leave_deep_sleep(self);
  self.last_wait_was_quiet = !deeply && !event && !self.woken && !self.roused && slices_run() == slices_before;
  self.roused = false;
  lock.unlock();
  if (poller != nullptr) poller->give_back_turn();
}

std::uint64_t scheduler_pool::slices_run() const {
  std::uint64_t total = 0;
  for (const auto& t : threads_) total += t->slices.load(std::memory_order_relaxed);
  return total;
}

bool scheduler_pool::poll_for_work(thread_state& self, idle_poller& poller, bool deeply) {
  // Busy-wait first, when the last poll found work: what comes within the spin is handled with no
  // thread woken. Yielding between polls lets a thread that shares this core run (the peer node's,
  // on a small machine). Being woken (wake_one) or roused interrupts the poll, so it returns either
  // way.
  if (self.last_poll_ran_handler) {
    const auto spin_until = std::chrono::steady_clock::now() + idle_poll_spin_;
    while (std::chrono::steady_clock::now() < spin_until) {
      if (poller.poll_ready()) return true;
      sched_yield();
    }
  }
  self.last_poll_ran_handler = deeply ? poller.poll_until_event() : poller.poll(idle_recheck);
  return self.last_poll_ran_handler;
}

worker_fiber* scheduler_pool::take_fiber(thread_state& self) {
  if (self.fibers.empty()) return new worker_fiber(fiber_stack_size_);
  worker_fiber* fiber = self.fibers.back();
  self.fibers.pop_back();
  return fiber;
}

void scheduler_pool::return_fiber(thread_state& self, worker_fiber* fiber) {
  if (self.fibers.size() < max_pooled_fibers)
    self.fibers.push_back(fiber);
  else
    delete fiber;
}

void scheduler_pool::run_one(thread_state& self, process_control_block* p) {
  self.slices.fetch_add(1, std::memory_order_relaxed);
  p->state().store(run_state::running, std::memory_order_release);
  worker_fiber* fiber = p->parked_fiber();
  p->parked_fiber() = nullptr;
  if (fiber == nullptr) fiber = take_fiber(self);
  self.in_slice = true;
  const slice_end end = fiber->run(p);
  self.in_slice = false;
  if (fiber->released())
    return_fiber(self, fiber);
  else
    p->parked_fiber() = fiber;

  switch (end) {
    case slice_end::exit:
      delete p;
      process_freed();
      return;
    case slice_end::yield:
      p->state().store(run_state::queued, std::memory_order_release);
      schedule(p);
      return;
    case slice_end::wait: {
      run_state expected = run_state::running;
      if (p->state().compare_exchange_strong(expected, run_state::waiting, std::memory_order_acq_rel)) return;
      // A signal came in while it was finishing: run it again.
      p->state().store(run_state::queued, std::memory_order_release);
      schedule(p);
      return;
    }
  }
}

void scheduler_pool::thread_main(thread_state& self) {
  pthread_setname_np(pthread_self(), ("otp-sched-" + std::to_string(self.index)).c_str());  // as top -H shows it
  tls_state = &self;
  tls_message_counters = &self.messages;
  set_current_thread_context(&self.context);
#if !defined(__SANITIZE_ADDRESS__)
  enable_overflow_handler_for_this_thread();  // AddressSanitizer keeps its own alternate stack
#endif
  while (process_control_block* p = take_work(self)) run_one(self, p);
  for (worker_fiber* fiber : self.fibers) delete fiber;
  self.fibers.clear();
  set_current_thread_context(nullptr);
  tls_message_counters = nullptr;
  tls_state = nullptr;
}

std::vector<scheduler_thread_statistics> scheduler_pool::statistics() const {
  std::vector<scheduler_thread_statistics> all;
  all.reserve(threads_.size());
  for (const auto& t : threads_) {
    scheduler_thread_statistics one;
    {
      std::lock_guard lock(t->queue_mutex);
      one.run_queue = t->queue.size();
    }
    one.messages_sent = t->messages.sent.load(std::memory_order_relaxed);
    one.messages_received = t->messages.received.load(std::memory_order_relaxed);
    all.push_back(one);
  }
  return all;
}

}  // namespace otp::detail
