#include "processes/message_queue.hpp"

#include <utility>

#include "processes/message_counters.hpp"

namespace otp::detail {

namespace {
// A local message's own heap object: the part of it the receiver may end up holding alone.
std::size_t top_level_bytes(const term& t) {
  switch (t.kind()) {
    case term_kind::binary: return t.as_binary().size();
    case term_kind::tuple:
    case term_kind::list: return t.elements().size() * sizeof(term);
    case term_kind::map: return t.map_pairs().size() * 2 * sizeof(term);
    default: return 0;
  }
}
}  // namespace

message_queue::~message_queue() {
  while (head_ != nullptr) {
    envelope* next = next_of(head_);
    recycle(head_);
    head_ = next;
  }
}

void message_queue::push(envelope_ptr e) noexcept {
  envelope* added = e.release();
  added->queued_bytes =
      sizeof(envelope) + (added->wire_bytes != 0 ? added->wire_bytes : top_level_bytes(added->payload));
  added->next.store(nullptr, std::memory_order_relaxed);
  if (tail_ != nullptr)
    tail_->next.store(added, std::memory_order_relaxed);
  else
    head_ = added;
  tail_ = added;
  ++count_;
  bytes_ += added->queued_bytes;
  ++pushed_;
  count_message_received();
}

void message_queue::push(term message, std::size_t wire_bytes) {
  envelope_ptr e(new_envelope());
  e->payload = std::move(message);
  e->wire_bytes = static_cast<std::uint32_t>(wire_bytes);
  push(std::move(e));
}

envelope* message_queue::envelope_at(std::size_t i) noexcept {
  envelope* e = head_;
  std::size_t k = 0;
  if (cursor_ != nullptr && cursor_index_ <= i) {
    e = cursor_;
    k = cursor_index_;
  }
  for (; k < i; ++k) e = next_of(e);
  cursor_ = e;
  cursor_index_ = i;
  return e;
}

term message_queue::take(std::size_t i) noexcept {
  envelope* taken;
  if (i == 0) {
    taken = head_;
    head_ = next_of(taken);
    if (head_ == nullptr) tail_ = nullptr;
    if (cursor_ == taken)
      cursor_ = nullptr;
    else if (cursor_ != nullptr)
      --cursor_index_;
  } else {
    envelope* before = envelope_at(i - 1);  // the cursor stays there, still at index i - 1
    taken = next_of(before);
    before->next.store(next_of(taken), std::memory_order_relaxed);
    if (tail_ == taken) tail_ = before;
  }
  --count_;
  bytes_ -= taken->queued_bytes;
  term message = std::move(taken->payload);
  recycle(taken);
  return message;
}

}  // namespace otp::detail
