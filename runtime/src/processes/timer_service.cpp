#include "processes/timer_service.hpp"

#include <pthread.h>

#include <vector>

#include "otp/process.hpp"
#include "processes/process_control_block.hpp"

namespace otp::detail {

timer_service::timer_service() : thread_([this] { thread_main(); }) {}

timer_service::~timer_service() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_one();
  thread_.join();
}

timer_service::handle timer_service::start_receive_timeout(clock::time_point deadline, pid_parts pid,
                                                           std::uint64_t sequence) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_handle_++;
  timers_.emplace(key{deadline, id}, entry{pid, sequence, term(), term(), term()});
  if (deadline < wake_at_) changed_.notify_one();
  return handle{deadline, id};
}

void timer_service::cancel_receive_timeout(handle h) {
  std::lock_guard lock(mutex_);
  timers_.erase(key{h.deadline, h.id});
}

void timer_service::start_message_timer(clock::time_point deadline, const term& ref, term destination, term message) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_handle_++;
  timers_.emplace(key{deadline, id}, entry{{}, 0, ref, std::move(destination), std::move(message)});
  message_timers_.emplace(ref, key{deadline, id});
  if (deadline < wake_at_) changed_.notify_one();
}

std::optional<std::chrono::milliseconds> timer_service::cancel_message_timer(const term& ref) {
  std::lock_guard lock(mutex_);
  auto it = message_timers_.find(ref);
  if (it == message_timers_.end()) return std::nullopt;
  const key place = it->second;
  message_timers_.erase(it);
  timers_.erase(place);
  const clock::time_point deadline = place.first;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

void timer_service::fire(entry& e) {
  if (!e.ref.is_nil()) {
    try {
      send(e.destination, std::move(e.message));
    } catch (const badarg&) {
      // A timer to a name nobody holds any more is dropped, as erlang:send_after does.
    }
    return;
  }
  envelope* timeout = make_envelope(signal_kind::receive_timeout, term(), term());
  timeout->sequence = e.sequence;
  send_signal(e.pid, timeout);
}

void timer_service::thread_main() {
  pthread_setname_np(pthread_self(), "otp-timer");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (timers_.empty()) {
      wake_at_ = clock::time_point::max();
      changed_.wait(lock);
      continue;
    }
    const auto next = timers_.begin()->first.first;
    if (clock::now() < next) {
      wake_at_ = next;
      changed_.wait_until(lock, next);
      continue;
    }
    std::vector<entry> due;
    const auto now = clock::now();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
      auto node = timers_.extract(timers_.begin());
      if (!node.mapped().ref.is_nil()) message_timers_.erase(node.mapped().ref);
      due.push_back(std::move(node.mapped()));
    }
    lock.unlock();
    for (entry& e : due) fire(e);
    lock.lock();
  }
}

}  // namespace otp::detail
