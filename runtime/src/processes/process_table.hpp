// The table from pid to live process (private to the runtime).
//
// A pid's id is a slot index and its serial the slot's generation, so a pid of a dead process
// never reaches the process that reuses its slot. Each slot holds the process pointer with a lock
// bit: `visit` runs a short function on a live process while holding that bit, which is what keeps
// the process from being removed (and freed) under a sender's feet. Removal takes the same bit.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "otp/term.hpp"

namespace otp::detail {

class process_control_block;

class process_table {
 public:
  explicit process_table(std::size_t capacity);
  ~process_table();
  process_table(const process_table&) = delete;
  process_table& operator=(const process_table&) = delete;

  // Gives `p` a fresh pid and makes it reachable. Throws std::runtime_error (system_limit) when full.
  pid_parts insert(process_control_block* p);
  // Makes `p` unreachable; after it returns no visit will see `p` again.
  void remove(process_control_block* p);

  // Calls fn(process&) with the slot locked when `pid` names a live local process.
  template <class Fn>
  bool visit(pid_parts pid, Fn&& fn) {
    if (pid.node != 0 || pid.id == 0 || pid.id >= capacity_) return false;
    std::atomic_ref<std::uintptr_t> slot(slots_[pid.id]);
    const std::uintptr_t word = lock(slot);
    auto* p = reinterpret_cast<process_control_block*>(word);
    const bool alive = p != nullptr && generations_[pid.id] == pid.serial;
    if (alive) fn(*p);
    slot.store(word, std::memory_order_release);
    return alive;
  }

  std::size_t size() const noexcept { return live_.load(std::memory_order_relaxed); }
  // The live processes' pids (a snapshot).
  std::vector<term> pids() const;

 private:
  static std::uintptr_t lock(std::atomic_ref<std::uintptr_t>& slot) noexcept;

  std::size_t capacity_;
  std::uintptr_t* slots_;       // process pointer | lock bit
  std::uint32_t* generations_;  // serial of the pid that owns each slot (written under the slot lock)
  mutable std::mutex free_mutex_;
  std::vector<std::uint32_t> free_ids_;
  std::uint32_t next_fresh_id_ = 1;
  std::atomic<std::size_t> live_{0};
};

}  // namespace otp::detail
