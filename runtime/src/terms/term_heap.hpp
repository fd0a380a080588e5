// The heap objects behind compound terms (private to the runtime).
//
// Each object is allocated in one block: a header followed by its elements. It is immutable
// after creation; `refs` counts the terms that point to it, and the last release destroys it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/term.hpp"
#include "terms/small_object_cache.hpp"

namespace otp::detail {

// Allocates a header of type H followed by `count` objects of type E, suitably aligned.
template <class H, class E>
std::size_t size_with_trailing(std::size_t count) {
  static_assert(sizeof(H) % alignof(E) == 0);
  return sizeof(H) + count * sizeof(E);
}
template <class H, class E>
void* allocate_with_trailing(std::size_t count) {
  return allocate_small(size_with_trailing<H, E>(count));
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
struct array_object : array_header {
  E* data() { return trailing<Self, E>(static_cast<Self*>(this)); }
  const E* data() const { return trailing<Self, E>(static_cast<const Self*>(this)); }

  static Self* create_from(std::vector<E>&& items) { return create_from(std::span<E>(items)); }

  // Moves the items out of `items`.
  static Self* create_from(std::span<E> items) {
    void* mem = allocate_with_trailing<Self, E>(items.size());
    auto* self = new (mem) Self();
    self->size = static_cast<std::uint32_t>(items.size());
    E* out = self->data();
    for (std::size_t i = 0; i < items.size(); ++i) new (out + i) E(std::move(items[i]));
    return self;
  }

  static void destroy(Self* self) noexcept {
    E* items = self->data();
    const std::uint32_t count = self->size;
    for (std::uint32_t i = 0; i < count; ++i) items[i].~E();
    self->~Self();
    free_small(self, size_with_trailing<Self, E>(count));
  }
};

struct tuple_object : array_object<tuple_object, term> {
  static tuple_object* create(std::span<term> elements) { return create_from(elements); }
};

// term.hpp reads tuples through array_header: the elements must follow it directly.
static_assert(sizeof(tuple_object) == sizeof(array_header));

struct map_object : array_object<map_object, std::pair<term, term>> {
  // Pairs are sorted by key in term order, keys unique.
  static map_object* create(std::vector<std::pair<term, term>>&& pairs) { return create_from(std::move(pairs)); }
};

struct list_object : array_object<list_object, term> {
  term tail;  // nil for a proper list
  static list_object* create(std::span<term> elements, term&& tail_term) {
    auto* self = create_from(elements);
    self->tail = std::move(tail_term);
    return self;
  }
};

// A local fun's parts; its free variables follow it.
struct fun_object : array_object<fun_object, term> {
  std::uint32_t module = 0;  // atom index
  std::uint32_t index = 0;
  std::int64_t old_index = 0;
  std::int64_t old_uniq = 0;
  pid_parts pid;
  std::uint8_t arity = 0;
  std::array<std::uint8_t, 16> uniq{};
};

// The bytes of a binary, a bitstring (the last byte holds its high bits) or a big integer's
// magnitude (little-endian).
struct binary_object : heap_object {
  std::uint32_t size = 0;
  char* data() { return trailing<binary_object, char>(this); }
  const char* data() const { return trailing<binary_object, char>(this); }
  static binary_object* create(std::string_view bytes) {
    if (bytes.size() > UINT32_MAX) throw bad_term("a binary holds at most 4 GiB");
    void* mem = allocate_with_trailing<binary_object, char>(bytes.size());
    auto* self = new (mem) binary_object();
    self->size = static_cast<std::uint32_t>(bytes.size());
    if (!bytes.empty()) std::memcpy(self->data(), bytes.data(), bytes.size());
    return self;
  }
  static void destroy(binary_object* self) noexcept {
    const std::size_t bytes = size_with_trailing<binary_object, char>(self->size);
    self->~binary_object();
    free_small(self, bytes);
  }
};

struct reference_object : heap_object {
  static constexpr std::size_t max_ids = 5;
  std::uint32_t count = 0;
  std::uint32_t ids[max_ids] = {};
  static reference_object* create(std::span<const std::uint32_t> id_words) {
    auto* self = new (allocate_small(sizeof(reference_object))) reference_object();
    self->count = static_cast<std::uint32_t>(id_words.size());
    std::copy(id_words.begin(), id_words.end(), self->ids);
    return self;
  }
  static void destroy(reference_object* self) noexcept {
    self->~reference_object();
    free_small(self, sizeof(reference_object));
  }
};

}  // namespace otp::detail
