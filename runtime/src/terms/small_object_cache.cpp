#include "terms/small_object_cache.hpp"

#include <array>
#include <mutex>
#include <new>
#include <vector>

namespace otp::detail {
namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t classes = 16;  // 16 .. 256 bytes
constexpr std::size_t max_cached_per_class = 512;
constexpr std::size_t batch = 256;             // blocks moved to or from the depot at once
constexpr std::size_t max_depot_batches = 64;  // per class; beyond, blocks go back to malloc

struct free_block {
  free_block* next;
};

// Plain data, so that reaching it is one %fs-relative load; the cleaner below empties it when the
// thread ends (it is registered on first use).
struct thread_cache {
  std::array<free_block*, classes> heads;
  std::array<std::size_t, classes> counts;
  bool cleaner_registered;
};

__attribute__((tls_model("initial-exec"))) thread_local thread_cache cache{};

struct cache_cleaner {
  ~cache_cleaner() {
    for (free_block*& head : cache.heads) {
      while (head != nullptr) {
        free_block* next = head->next;
        ::operator delete(head);
        head = next;
      }
    }
    cache.counts = {};
  }
};

void register_cleaner() {
  static thread_local cache_cleaner cleaner;
  (void)cleaner;
  cache.cleaner_registered = true;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool cache_enabled = false;
#else
constexpr bool cache_enabled = true;
#endif

// Blocks freed on one thread and allocated on another (a sender allocates a message, the
// receiver frees it) travel between threads in batches through this depot.
struct depot {
  std::mutex mutex;
  std::array<std::vector<free_block*>, classes> batches;  // each a chain of `batch` blocks
};

depot& the_depot() {
  static depot* d = new depot();  // never destroyed: threads may free blocks during exit
  return *d;
}

void give_batch_to_depot(std::size_t cls) {
  free_block* chain = cache.heads[cls];
  free_block* last = chain;
  for (std::size_t i = 1; i < batch; ++i) last = last->next;
  cache.heads[cls] = last->next;
  cache.counts[cls] -= batch;
  last->next = nullptr;
  depot& d = the_depot();
  {
    std::lock_guard lock(d.mutex);
    if (d.batches[cls].size() < max_depot_batches) {
      d.batches[cls].push_back(chain);
      return;
    }
  }
  while (chain != nullptr) {
    free_block* next = chain->next;
    ::operator delete(chain);
    chain = next;
  }
}

bool take_batch_from_depot(std::size_t cls) {
  depot& d = the_depot();
  std::lock_guard lock(d.mutex);
  if (d.batches[cls].empty()) return false;
  cache.heads[cls] = d.batches[cls].back();
  cache.counts[cls] = batch;
  d.batches[cls].pop_back();
  return true;
}

}  // namespace

void* allocate_small(std::size_t bytes) {
  const std::size_t cls = (bytes + granule - 1) / granule - 1;
  if (!cache_enabled || cls >= classes) return ::operator new(bytes);
  free_block* block = cache.heads[cls];
  if (block == nullptr) {
    if (!take_batch_from_depot(cls)) return ::operator new((cls + 1) * granule);
    block = cache.heads[cls];
  }
  cache.heads[cls] = block->next;
  --cache.counts[cls];
  return block;
}

void free_small(void* block, std::size_t bytes) noexcept {
  const std::size_t cls = (bytes + granule - 1) / granule - 1;
  if (!cache_enabled || cls >= classes) {
    ::operator delete(block);
    return;
  }
  if (!cache.cleaner_registered) register_cleaner();
  if (cache.counts[cls] >= max_cached_per_class) give_batch_to_depot(cls);
  auto* b = static_cast<free_block*>(block);
  b->next = cache.heads[cls];
  cache.heads[cls] = b;
  ++cache.counts[cls];
}

}  // namespace otp::detail
