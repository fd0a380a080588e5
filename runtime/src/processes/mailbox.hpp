// The inbox of a process: every signal sent to it, messages included, in arrival order.
//
// Senders on any thread push; only the owning process pops (multi-producer, single-consumer,
// Vyukov's intrusive queue: a push is one atomic exchange). Ordering between one sender and
// one receiver is preserved, which is the guarantee Erlang gives for signals.
//
// The inbox owns the envelopes it holds; pop hands ownership to the caller.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "otp/term.hpp"

namespace otp::detail {

enum class signal_kind : std::uint8_t {
  message,          // payload: the message; ref + call_done: see call
  call,             // a call: monitor (from: caller, ref) and message (payload) in one signal
  alias_message,    // payload: the message; ref: the alias it was sent to (dropped if inactive)
  exit,             // from: sender; payload: reason; linked: whether it comes from a link
  link,             // from: the process linking to us
  unlink,           // from: the process unlinking
  monitor,          // from: watcher; ref: monitor ref; payload: how the watcher named us
  demonitor,        // from: watcher; ref
  down,             // ref; payload: the whole {'DOWN', ...} message (dropped if no longer monitoring)
  receive_timeout,  // sequence: which receive timed out
  info_request,     // from: who asks; ref: the tag of the {Ref, Info} reply (process_info)
};

struct envelope {
  std::atomic<envelope*> next{nullptr};
  signal_kind kind = signal_kind::message;
  bool linked = false;
  // On a reply: the server already dropped the call's monitor (ref), so the caller forgets it
  // without a demonitor signal.
  bool call_done = false;
  // A message from another node: its size on the wire (0 for local ones), which the receiver's
  // queue counts it at.
  std::uint32_t wire_bytes = 0;
  std::uint64_t sequence = 0;
  // Once in the receiver's message queue: the size it counts there (message_queue).
  std::size_t queued_bytes = 0;
  term from;
  term ref;
  term payload;
};

// Envelopes are recycled through a small per-thread cache: a request and its reply reuse the same
// few envelopes instead of going through malloc on every message.
envelope* new_envelope();
void recycle(envelope* e) noexcept;
struct envelope_recycler {
  void operator()(envelope* e) const noexcept { recycle(e); }
};
using envelope_ptr = std::unique_ptr<envelope, envelope_recycler>;

class inbox {
 public:
  inbox() noexcept : head_(&stub_), tail_(&stub_) {}
  inbox(const inbox&) = delete;
  inbox& operator=(const inbox&) = delete;
  ~inbox() {
    while (envelope* e = pop()) recycle(e);
  }

  // Any thread.
  void push(envelope* e) noexcept {
    e->next.store(nullptr, std::memory_order_relaxed);
    envelope* previous = head_.exchange(e, std::memory_order_acq_rel);
    previous->next.store(e, std::memory_order_release);
  }

  // Owner only. Returns nullptr when empty (or when a push is half-way; the pusher then notifies).
  envelope* pop() noexcept {
    envelope* tail = tail_;
    envelope* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // a push is in progress
    push(&stub_);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

 private:
  std::atomic<envelope*> head_;
  envelope* tail_;
  envelope stub_;
};

}  // namespace otp::detail
