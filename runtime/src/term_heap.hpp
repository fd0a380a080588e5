// The heap objects behind compound terms (private to the runtime).
//
// Each object is allocated in one block: a header followed by its elements. It is immutable
// after creation; `refs` counts the terms that point to it, and the last release destroys it.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/term.hpp"

namespace otp::detail {

struct heap_object {
  std::atomic<std::uint32_t> refs{1};
};

// Allocates a header of type H followed by `count` objects of type E, suitably aligned.
template <class H, class E>
void* allocate_with_trailing(std::size_t count) {
  static_assert(sizeof(H) % alignof(E) == 0);
  return ::operator new(sizeof(H) + count * sizeof(E));
}

template <class H, class E>
E* trailing(H* header) {
  return reinterpret_cast<E*>(reinterpret_cast<char*>(header) + sizeof(H));
}
template <class H, class E>
const E* trailing(const H* header) {
  return reinterpret_cast<const E*>(reinterpret_cast<const char*>(header) + sizeof(H));
}

template <class Self, class E>
struct array_object : heap_object {
  std::uint32_t size = 0;

  E* data() { return trailing<Self, E>(static_cast<Self*>(this)); }
  const E* data() const { return trailing<Self, E>(static_cast<const Self*>(this)); }

  static Self* create_from(std::vector<E>&& items) {
    void* mem = allocate_with_trailing<Self, E>(items.size());
    auto* self = new (mem) Self();
    self->size = static_cast<std::uint32_t>(items.size());
    E* out = self->data();
    for (std::size_t i = 0; i < items.size(); ++i) new (out + i) E(std::move(items[i]));
    return self;
  }

  static void destroy(Self* self) noexcept {
    E* items = self->data();
    for (std::uint32_t i = 0; i < self->size; ++i) items[i].~E();
    self->~Self();
    ::operator delete(self);
  }
};

struct tuple_object : array_object<tuple_object, term> {
  static tuple_object* create(std::vector<term>&& elements) { return create_from(std::move(elements)); }
};

struct map_object : array_object<map_object, std::pair<term, term>> {
  // Pairs are sorted by key in term order, keys unique.
  static map_object* create(std::vector<std::pair<term, term>>&& pairs) { return create_from(std::move(pairs)); }
};

struct list_object : array_object<list_object, term> {
  term tail;  // nil for a proper list
  static list_object* create(std::vector<term>&& elements, term&& tail_term) {
    auto* self = create_from(std::move(elements));
    self->tail = std::move(tail_term);
    return self;
  }
};

struct binary_object : heap_object {
  std::uint32_t size = 0;
  char* data() { return trailing<binary_object, char>(this); }
  const char* data() const { return trailing<binary_object, char>(this); }
  static binary_object* create(std::string_view bytes) {
    void* mem = allocate_with_trailing<binary_object, char>(bytes.size());
    auto* self = new (mem) binary_object();
    self->size = static_cast<std::uint32_t>(bytes.size());
    if (!bytes.empty()) std::memcpy(self->data(), bytes.data(), bytes.size());
    return self;
  }
  static void destroy(binary_object* self) noexcept {
    self->~binary_object();
    ::operator delete(self);
  }
};

struct reference_object : heap_object {
  static constexpr std::size_t max_ids = 5;
  std::uint32_t count = 0;
  std::uint32_t ids[max_ids] = {};
  static reference_object* create(std::span<const std::uint32_t> id_words) {
    auto* self = new reference_object();
    self->count = static_cast<std::uint32_t>(id_words.size());
    std::copy(id_words.begin(), id_words.end(), self->ids);
    return self;
  }
  static void destroy(reference_object* self) noexcept { delete self; }
};

}  // namespace otp::detail
