// message_queue — the messages a process has received and not yet taken (private).
//
// A message stays in the envelope it arrived in: the queue links those envelopes in arrival order,
// so taking in a message and taking it out copy nothing, and a queue has no buffer of its own to
// grow, however long it gets. A scan (a selective receive) walks the queue once: `at` resumes from
// the last position it reached.
//
// Each message is counted at a size, and the queue keeps the total
// (runtime_options::max_message_queue_bytes): a message from another node at its size on the wire,
// a local one at its own heap object (its top level: the rest is shared with its sender, as terms
// are), plus its envelope.
//
// Owned by one process; not thread-safe (only the process's own code touches it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "otp/term.hpp"
#include "processes/mailbox.hpp"

namespace otp::detail {

class message_queue {
 public:
  message_queue() = default;
  message_queue(const message_queue&) = delete;
  message_queue& operator=(const message_queue&) = delete;
  ~message_queue();

  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }
  // A message that came in `e` (its payload; e->wire_bytes: its size on the wire, 0 if local).
  void push(envelope_ptr e) noexcept;
  // `wire_bytes`: its size on the wire when it came from another node, else 0.
  void push(term message, std::size_t wire_bytes = 0);
  // The i-th message (0: the oldest); i < size().
  term& at(std::size_t i) noexcept { return envelope_at(i)->payload; }
  // Removes the i-th message and returns it.
  term take(std::size_t i) noexcept;
  // The total size of the messages queued now.
  std::size_t bytes() const noexcept { return bytes_; }
  // Messages pushed since the process started (its messages handled, as process_info shows).
  std::uint64_t pushed() const noexcept { return pushed_; }

 private:
  envelope* envelope_at(std::size_t i) noexcept;
  static envelope* next_of(const envelope* e) noexcept { return e->next.load(std::memory_order_relaxed); }

  envelope* head_ = nullptr;
  envelope* tail_ = nullptr;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t pushed_ = 0;
  envelope* cursor_ = nullptr;  // the envelope `at` last reached (nullptr: none), at cursor_index_
  std::size_t cursor_index_ = 0;
};

}  // namespace otp::detail
