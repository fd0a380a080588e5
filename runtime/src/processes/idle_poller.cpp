#include "processes/idle_poller.hpp"

namespace otp::detail {

bool idle_poller::try_take_turn() {
  std::lock_guard lock(mutex_);
  if (held_) return false;
  held_ = true;
  return true;
}

void idle_poller::take_turn() {
  std::unique_lock lock(mutex_);
  while (held_) {
    interrupt();
    turn_returned_.wait(lock);
  }
  held_ = true;
}

void idle_poller::give_back_turn() {
  // Notified under the lock: the owner may destroy this poller as soon as it holds the turn.
  std::lock_guard lock(mutex_);
  held_ = false;
  turn_returned_.notify_all();
}

bool idle_poller::poll_until_event() {
  {
    std::lock_guard lock(mutex_);
    polling_without_deadline_ = true;
  }
  const bool ran = poll_one_event();
  std::lock_guard lock(mutex_);
  polling_without_deadline_ = false;
  undeadlined_poll_ended_.notify_all();
  return ran;
}

void idle_poller::wait_while_polled_without_deadline() {
  std::unique_lock lock(mutex_);
  undeadlined_poll_ended_.wait(lock, [this] { return !polling_without_deadline_; });
}

}  // namespace otp::detail
