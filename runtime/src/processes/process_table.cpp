#include "processes/process_table.hpp"

#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>

#include "processes/process_control_block.hpp"

namespace otp::detail {

process_table::process_table(std::size_t capacity)
    : capacity_(capacity + 1),
      // calloc: large zeroed allocations come straight from the kernel, untouched pages cost nothing.
      slots_(static_cast<std::uintptr_t*>(std::calloc(capacity_, sizeof(std::uintptr_t)))),
      generations_(static_cast<std::uint32_t*>(std::calloc(capacity_, sizeof(std::uint32_t)))) {
  if (slots_ == nullptr || generations_ == nullptr) throw std::bad_alloc();
}

process_table::~process_table() {
  std::free(slots_);
  std::free(generations_);
}

std::uintptr_t process_table::lock(std::atomic_ref<std::uintptr_t>& slot) noexcept {
  for (;;) {
    const std::uintptr_t word = slot.fetch_or(1, std::memory_order_acquire);
    if ((word & 1) == 0) return word;
    // A holder keeps the bit for a few instructions; when it takes longer it was descheduled, and
    // spinning on would burn our time slice on a machine with few cores: give the core away.
    for (int spins = 0; slot.load(std::memory_order_relaxed) & 1; ++spins) {
      if (spins < 64)
        __builtin_ia32_pause();
      else
        std::this_thread::yield();
    }
  }
}

pid_parts process_table::insert(process_control_block* p) {
  std::uint32_t id;
  {
    std::lock_guard guard(free_mutex_);
    if (!free_ids_.empty()) {
      id = free_ids_.back();
      free_ids_.pop_back();
    } else if (next_fresh_id_ < capacity_) {
      id = next_fresh_id_++;
    } else {
      throw std::runtime_error("system_limit: the process table is full (" + std::to_string(capacity_ - 1) +
                               " processes)");
    }
  }
  std::atomic_ref<std::uintptr_t> slot(slots_[id]);
  const std::uintptr_t old = lock(slot);
  (void)old;
  const pid_parts pid{0, id, generations_[id]};
  p->set_pid(pid);
  slot.store(reinterpret_cast<std::uintptr_t>(p), std::memory_order_release);
  live_.fetch_add(1, std::memory_order_relaxed);
  return pid;
}

void process_table::remove(process_control_block* p) {
  const pid_parts pid = p->pid();
  std::atomic_ref<std::uintptr_t> slot(slots_[pid.id]);
  lock(slot);
  ++generations_[pid.id];
  slot.store(0, std::memory_order_release);
  live_.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard guard(free_mutex_);
  free_ids_.push_back(pid.id);
}

std::vector<term> process_table::pids() const {
  std::vector<term> result;
  std::uint32_t end;
  {
    std::lock_guard guard(free_mutex_);
    end = next_fresh_id_;
  }
  for (std::uint32_t id = 1; id < end; ++id) {
    std::atomic_ref<std::uintptr_t> slot(slots_[id]);
    const std::uintptr_t word = lock(slot);
    if (word != 0) result.push_back(term::make_pid({0, id, generations_[id]}));
    slot.store(word, std::memory_order_release);
  }
  return result;
}

}  // namespace otp::detail
