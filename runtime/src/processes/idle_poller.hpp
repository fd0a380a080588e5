// idle_poller — an event loop that an idle scheduler thread runs instead of sleeping (private;
// docs/design-notes.md, "An idle scheduler thread polls the node's sockets").
//
// Distribution installs one (its sockets' io_context) in the scheduler pool. A scheduler thread
// with nothing to run takes the turn and waits in the event loop: a frame that arrives is read,
// decoded and delivered by that thread, and the process it wakes joins that thread's queue and
// runs next, with no second thread woken. One holder at a time, so the event loop's handlers run
// one after another as on a single IO thread.
//
// Owner: whoever installs it keeps it alive until clear_idle_poller returned and it has taken the
// turn itself (no scheduler thread polls it after that).
// Thread-safety: the turn members and `interrupt` may be called from any thread; `poll` only by
// the turn's holder.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace otp::detail {

class idle_poller {
 public:
  virtual ~idle_poller() = default;

  // Runs ready handlers, waiting at most `limit` for the first; returns after one ran (true),
  // after `limit` (false), or soon after `interrupt`. The caller holds the turn.
  virtual bool poll(std::chrono::microseconds limit) = 0;
  // Runs one ready handler without waiting; false when none was ready.
  virtual bool poll_ready() = 0;
  // Makes a `poll` in progress return soon.
  virtual void interrupt() = 0;

  // As poll with no deadline, for a holder whose every fellow thread sleeps: until it returns,
  // wait_while_polled_without_deadline blocks too, so a node with nothing to do wakes no thread.
  bool poll_until_event();
  // Returns at once unless a poll_until_event is in progress; then when it ends.
  void wait_while_polled_without_deadline();

  bool try_take_turn();
  // Waits until the holder gives the turn back (interrupting its poll).
  void take_turn();
  void give_back_turn();

 private:
  // Waits without a deadline until one handler is ready, runs it; true when one ran.
  virtual bool poll_one_event() = 0;

  std::mutex mutex_;
  std::condition_variable turn_returned_;
  std::condition_variable undeadlined_poll_ended_;
  bool held_ = false;
  bool polling_without_deadline_ = false;
};

}  // namespace otp::detail
