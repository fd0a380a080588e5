// small_object_cache — per-thread free lists for the small blocks terms and envelopes are made of.
//
// Messages allocate a few small blocks (tuples, references, list cells) on one thread and free
// them on the same or another one. Each thread keeps a bounded free list per 16-byte size class
// up to 256 bytes; a block freed on any thread goes to that thread's list. A list that grows past
// its bound hands a batch of blocks to a shared depot, where a thread whose list ran dry takes
// them (so blocks flow from the receiving thread back to the sending one); larger blocks go to
// the global allocator. Under AddressSanitizer the cache is bypassed so that
// use-after-free is still caught.
//
// Thread-safety: each thread uses its own lists; blocks may cross threads freely.
#pragma once

#include <cstddef>

namespace otp::detail {

void* allocate_small(std::size_t bytes);
// `bytes` must be the size given to allocate_small.
void free_small(void* block, std::size_t bytes) noexcept;

}  // namespace otp::detail
