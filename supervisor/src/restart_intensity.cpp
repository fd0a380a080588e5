// supervisor:add_restart/1, exactly: whole seconds, newest first, inclusive window.
#include "otp/restart_intensity.hpp"

#include <chrono>

namespace otp::supervisor {

bool restart_intensity::add_restart(std::int64_t now) {
  const std::int64_t threshold = now - period_;
  // lists:takewhile(R >= Threshold) on the newest-first list. The clock never goes back, so the list
  // is non-increasing and the old entries are exactly a suffix: drop them from the back (O(1) amortized).
  while (!restarts_.empty() && restarts_.back() < threshold) restarts_.pop_back();
  restarts_.push_front(now);
  return static_cast<std::int64_t>(restarts_.size()) <= intensity_;
}

std::int64_t restart_intensity::now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace otp::supervisor
