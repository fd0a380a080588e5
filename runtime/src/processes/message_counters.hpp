// message_counters — messages sent and received in this OS process, counted per scheduler thread
// (private to the runtime; read through runtime::statistics).
//
// Each scheduler thread owns one pair of counters that only it writes (a relaxed load and store:
// no locked instruction, no cache line shared with another writer); a reader sums them. A send
// from a thread that is no scheduler's (main, a test, the dist IO thread) is counted in one shared
// counter: such sends are rare. Sent: every message, call and reply handed to send_signal for a
// process, here or on another node. Received: every message that entered a local process's queue.
//
// Thread-safety: count_* from any thread; totals from any thread (a reader may see a count a few
// messages old).
#pragma once

#include <atomic>
#include <cstdint>

namespace otp::detail {

struct thread_message_counters {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> received{0};
};

// The counters of the scheduler thread running this code; null on any other thread.
extern __attribute__((tls_model("initial-exec"))) thread_local thread_message_counters* tls_message_counters;
// Sends from threads that are no scheduler's.
extern std::atomic<std::uint64_t> foreign_messages_sent;

inline void count_by_owner(std::atomic<std::uint64_t>& counter) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

inline void count_message_sent() noexcept {
  if (thread_message_counters* c = tls_message_counters)
    count_by_owner(c->sent);
  else
    foreign_messages_sent.fetch_add(1, std::memory_order_relaxed);
}

// Called by the receiving process itself, which always runs on a scheduler thread.
inline void count_message_received() noexcept {
  if (thread_message_counters* c = tls_message_counters) count_by_owner(c->received);
}

}  // namespace otp::detail
