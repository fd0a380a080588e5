// otp::supervisor::restart_intensity — the restart counter of supervisor:add_restart/1.
//
// Every restart attempt is recorded at `now` in whole seconds of a monotonic clock; restarts older
// than now - period are forgotten (the window is inclusive); the supervisor must give up when more
// than `intensity` restarts remain. The clock value is passed in, so the rule is testable without
// sleeping; `now_seconds()` is the clock the supervisor uses (erlang:monotonic_time(1)).
//
// Thread-safety: a plain value, owned by one supervisor process.
#pragma once

#include <cstdint>
#include <deque>

namespace otp::supervisor {

class restart_intensity {
 public:
  restart_intensity(std::int64_t intensity = 1, std::int64_t period = 5) : intensity_(intensity), period_(period) {}

  // Records a restart at `now` (whole seconds; never less than the previous call's, as a monotonic
  // clock gives). True while the count stays within the intensity.
  bool add_restart(std::int64_t now);
  // The restarts currently remembered.
  std::size_t count() const noexcept { return restarts_.size(); }
  void set_limits(std::int64_t intensity, std::int64_t period) {
    intensity_ = intensity;
    period_ = period;
  }
  std::int64_t intensity() const noexcept { return intensity_; }
  std::int64_t period() const noexcept { return period_; }

  // Monotonic time in whole seconds.
  static std::int64_t now_seconds();

 private:
  std::int64_t intensity_;
  std::int64_t period_;
  std::deque<std::int64_t> restarts_;  // newest first
};

}  // namespace otp::supervisor
