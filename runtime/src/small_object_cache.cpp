#include "small_object_cache.hpp"

#include <array>
#include <new>

namespace otp::detail {
namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t classes = 16;  // 16 .. 256 bytes
constexpr std::size_t max_cached_per_class = 512;

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

}  // namespace

void* allocate_small(std::size_t bytes) {
  const std::size_t cls = (bytes + granule - 1) / granule - 1;
  if (!cache_enabled || cls >= classes) return ::operator new(bytes);
  free_block* block = cache.heads[cls];
  if (block == nullptr) return ::operator new((cls + 1) * granule);
  cache.heads[cls] = block->next;
  --cache.counts[cls];
  return block;
}

void free_small(void* block, std::size_t bytes) noexcept {
  const std::size_t cls = (bytes + granule - 1) / granule - 1;
  if (!cache_enabled || cls >= classes || cache.counts[cls] >= max_cached_per_class) {
    ::operator delete(block);
    return;
  }
  if (!cache.cleaner_registered) register_cleaner();
  auto* b = static_cast<free_block*>(block);
  b->next = cache.heads[cls];
  cache.heads[cls] = b;
  ++cache.counts[cls];
}

}  // namespace otp::detail
