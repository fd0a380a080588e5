// monitor_set — the monitors one process holds, by reference (private to the runtime).
//
// Most processes hold none or a few, and a call adds one and removes it at once: those live in a
// short vector searched from the newest. Past `small_limit` entries (a process watching many
// others) they move to a hash map, so adding and removing stay constant-time.
// Owned by its process and touched only by the code running it; not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "otp/term.hpp"

namespace otp::detail {

class monitor_set {
 public:
  static constexpr std::size_t small_limit = 16;

  void add(const term& ref, const term& target, bool alias);
  // Removes the monitor; returns what it monitored, or nullopt when it was not held.
  std::optional<term> remove(const term& ref);
  bool is_active_alias(const term& ref) const noexcept;
  std::size_t size() const noexcept { return many_ ? many_->size() : few_.size(); }
  std::size_t memory() const noexcept;

  // Calls fn(ref, target) for every monitor, then holds none.
  template <class Fn>
  void drain(Fn&& fn) {
    for (const entry& e : few_) fn(e.ref, e.target);
    if (many_)
      for (const auto& [ref, v] : *many_) fn(ref, v.target);
    few_.clear();
    many_.reset();
  }

 private:
  struct entry {
    term ref;
    term target;  // pid, or {Name, Node} when monitored by name
    bool alias;
  };
  struct value {
    term target;
    bool alias;
  };
  std::vector<entry> few_;
  std::unique_ptr<std::unordered_map<term, value, term_hash>> many_;
};

}  // namespace otp::detail
