// registry — registered process names (private; register/2, whereis/1).
//
// A name maps to one local pid and a pid has at most one name. The process itself removes its
// name when it exits. Thread-safety: every member may be called from any thread.
#pragma once

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "otp/term.hpp"

namespace otp::detail {

class registry {
 public:
  // False when the name is taken.
  bool add(atom name, const term& pid);
  // False when the name is not registered.
  bool remove(atom name);
  // Removes `name` only if it still maps to `pid` (for a process's own exit).
  void remove_if(atom name, const term& pid);
  std::optional<term> find(atom name) const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::uint32_t, term> names_;  // atom index -> pid
};

registry& the_registry();

}  // namespace otp::detail
