// otp::term — an Erlang term as a C++ value.
//
// A term is 16 bytes: a kind, a 32-bit aux word and a 64-bit payload. Integers (64-bit), floats,
// atoms and pids live inline; tuples, lists, maps, binaries and references point to an immutable,
// reference-counted heap object. Copying a term copies the pointer and bumps an atomic count, so
// terms are cheap to pass between processes and threads. A term owns no code: it can outlive the
// module version that made it.
//
// Comparison is Erlang's term order (number < atom < reference < pid < tuple < map < nil < list
// < binary); integers and floats compare by value, and when equal by value the integer sorts
// first, so `==` is Erlang's exact equality (=:=) and hashing agrees with it.
//
// Thread-safety: a term is immutable; any number of threads may read and copy the same term.
#pragma once

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/atom.hpp"

namespace otp {

enum class term_kind : std::uint8_t {
  integer,
  floating,
  atom,
  reference,
  pid,
  tuple,
  map,
  nil,
  list,
  binary,
};

// Thrown when a term is used as a kind it is not (as_int on an atom, element 5 of a pair, ...).
class bad_term : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
// The reference-counted header every compound term points to (the rest is in term_heap.hpp).
struct heap_object {
  std::atomic<std::uint32_t> refs{1};
};
// The header shared by tuples, lists and maps: the element count; elements follow it.
struct array_header : heap_object {
  std::uint32_t size = 0;
};
// Frees a compound whose last reference went away.
void destroy(heap_object* h, term_kind kind) noexcept;
struct tuple_object;
struct list_object;
struct map_object;
struct binary_object;
struct reference_object;
}  // namespace detail

class term;

// A process identifier. `node` is an index into the node table (0 is this node).
struct pid_parts {
  std::uint32_t node = 0;
  std::uint32_t id = 0;
  std::uint32_t serial = 0;
};

class term {
 public:
  term() noexcept : kind_(term_kind::nil), aux_(0), bits_(0) {}
  term(int v) noexcept : term(static_cast<long long>(v)) {}
  term(long v) noexcept : term(static_cast<long long>(v)) {}
  term(long long v) noexcept : kind_(term_kind::integer), aux_(0), int_(static_cast<std::int64_t>(v)) {}
  term(unsigned v) noexcept : term(static_cast<long long>(v)) {}
  // Values above INT64_MAX are rejected (terms hold 64-bit signed integers).
  term(unsigned long v);
  term(unsigned long long v);
  term(double v) noexcept : kind_(term_kind::floating), aux_(0), float_(v) {}
  term(atom a) noexcept : kind_(term_kind::atom), aux_(a.index()), bits_(0) {}
  term(bool b) noexcept : term(b ? atoms::true_ : atoms::false_) {}
  term(const char*) = delete;  // say atom("x"), binary("x") or charlist("x")

  // Copies share the compound (one atomic increment); moves leave nil behind.
  term(const term& other) noexcept : kind_(other.kind_), aux_(other.aux_), bits_(other.bits_) { retain(); }
  term(term&& other) noexcept : kind_(other.kind_), aux_(other.aux_), bits_(other.bits_) { other.clear(); }
  // Both assignments read `other` before releasing this term's compound, which may hold `other`
  // (t = t[1] must work).
  term& operator=(const term& other) noexcept {
    other.retain();
    const auto new_kind = other.kind_;
    const auto new_aux = other.aux_;
    const auto new_bits = other.bits_;
    release();
    kind_ = new_kind;
    aux_ = new_aux;
    bits_ = new_bits;
    return *this;
  }
  term& operator=(term&& other) noexcept {
    if (this != &other) {
      const auto new_kind = other.kind_;
      const auto new_aux = other.aux_;
      const auto new_bits = other.bits_;
      other.clear();
      release();
      kind_ = new_kind;
      aux_ = new_aux;
      bits_ = new_bits;
    }
    return *this;
  }
  ~term() { release(); }

  // --- construction of compounds -------------------------------------------------------------
  static term make_tuple(std::vector<term> elements);
  static term make_list(std::vector<term> elements, term tail = term());
  // As make_tuple/make_list, moving the elements out of `elements` (one allocation, no vector).
  static term make_tuple_from(std::span<term> elements);
  static term make_list_from(std::span<term> elements, term tail = term());
  static term make_map(std::vector<std::pair<term, term>> pairs);  // later duplicates win
  static term make_binary(std::span<const std::byte> bytes);
  static term make_binary(std::string_view bytes);
  static term make_pid(pid_parts parts) noexcept;
  static term make_reference(std::uint32_t node, std::span<const std::uint32_t> ids);

  // --- inspection ----------------------------------------------------------------------------
  term_kind kind() const noexcept { return kind_; }
  bool is_integer() const noexcept { return kind_ == term_kind::integer; }
  bool is_float() const noexcept { return kind_ == term_kind::floating; }
  bool is_number() const noexcept { return is_integer() || is_float(); }
  bool is_atom() const noexcept { return kind_ == term_kind::atom; }
  bool is_atom(atom a) const noexcept { return is_atom() && aux_ == a.index(); }
  bool is_pid() const noexcept { return kind_ == term_kind::pid; }
  bool is_reference() const noexcept { return kind_ == term_kind::reference; }
  bool is_tuple() const noexcept { return kind_ == term_kind::tuple; }
  bool is_tuple(std::size_t arity) const noexcept { return is_tuple() && tuple_header().size == arity; }
  bool is_map() const noexcept { return kind_ == term_kind::map; }
  bool is_nil() const noexcept { return kind_ == term_kind::nil; }
  bool is_list() const noexcept { return kind_ == term_kind::list || kind_ == term_kind::nil; }
  bool is_binary() const noexcept { return kind_ == term_kind::binary; }
  // A proper list: nil, or a list whose last tail is nil.
  bool is_proper_list() const noexcept;

  std::int64_t as_int() const;
  double as_float() const;  // integers convert
  atom as_atom() const;
  pid_parts as_pid() const;
  std::string_view as_binary() const;  // the bytes of a binary
  // Tuple arity, map size, or the number of elements before a list's tail; 0 for nil.
  std::size_t size() const;
  // Tuple element or list element, 0-based.
  const term& operator[](std::size_t index) const {
    if (is_tuple() && index < tuple_header().size) return tuple_elements()[index];
    return element_slow(index);
  }
  // List accessors: head, and the tail after the first element (O(1)).
  const term& head() const;
  term tail() const;
  // The tail after the last element of a list (nil for a proper list).
  const term& list_tail() const;
  std::span<const term> elements() const;  // tuple or list elements (not the tail)
  // Map access.
  const term* find(const term& key) const;
  std::span<const std::pair<term, term>> map_pairs() const;
  // Reference parts.
  std::uint32_t reference_node() const;
  std::span<const std::uint32_t> reference_ids() const;
  // Characters of a proper list of byte-range integers (an Erlang "string").
  std::optional<std::string> as_charlist() const;

  // --- order, equality, hash, text ------------------------------------------------------------
  friend std::strong_ordering operator<=>(const term& a, const term& b) noexcept;
  friend bool operator==(const term& a, const term& b) noexcept {
    if (a.kind_ != b.kind_) return false;
    switch (a.kind_) {
      case term_kind::integer:
      case term_kind::pid: return a.aux_ == b.aux_ && a.bits_ == b.bits_;
      case term_kind::atom: return a.aux_ == b.aux_;
      case term_kind::nil: return true;
      default: return equal_compounds(a, b);
    }
  }
  std::size_t hash() const noexcept;
  // Erlang syntax as io:format("~w") prints it (see term_text.hpp for parsing).
  std::string to_string() const;

 private:
  explicit term(term_kind k, std::uint32_t aux, detail::heap_object* h) noexcept : kind_(k), aux_(aux), heap_(h) {}
  bool has_heap() const noexcept {
    return kind_ == term_kind::reference || (kind_ >= term_kind::tuple && kind_ != term_kind::nil);
  }
  void retain() const noexcept {
    if (has_heap()) heap_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (has_heap() && heap_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) detail::destroy(heap_, kind_);
  }
  void clear() noexcept {
    kind_ = term_kind::nil;
    aux_ = 0;
    bits_ = 0;
  }
  const detail::list_object& list_obj() const;
  const detail::array_header& tuple_header() const noexcept { return *static_cast<const detail::array_header*>(heap_); }
  const term* tuple_elements() const noexcept {
    return reinterpret_cast<const term*>(reinterpret_cast<const char*>(heap_) + sizeof(detail::array_header));
  }
  const term& element_slow(std::size_t index) const;
  static bool equal_compounds(const term& a, const term& b) noexcept;

  term_kind kind_;
  // atom: atom index; pid: node index; list: offset of the first element in the list object.
  std::uint32_t aux_;
  union {
    std::int64_t int_;
    double float_;
    std::uint64_t bits_;  // pid: id << 32 | serial
    detail::heap_object* heap_;
  };

  friend struct term_access;
};

// --- short construction helpers ---------------------------------------------------------------
// tuple(atom("increment"), 3), list(1, 2, 3), map({{atom("a"), 1}}), binary("bytes"), charlist("abc")
template <class... Ts>
term tuple(Ts&&... elements) {
  if constexpr (sizeof...(Ts) == 0) {
    return term::make_tuple({});
  } else {
    term items[] = {term(std::forward<Ts>(elements))...};
    return term::make_tuple_from(items);
  }
}
template <class... Ts>
term list(Ts&&... elements) {
  if constexpr (sizeof...(Ts) == 0) {
    return term();
  } else {
    term items[] = {term(std::forward<Ts>(elements))...};
    return term::make_list_from(items);
  }
}
inline term map(std::initializer_list<std::pair<term, term>> pairs) {
  return term::make_map(std::vector<std::pair<term, term>>(pairs));
}
inline term binary(std::string_view bytes) { return term::make_binary(bytes); }
term charlist(std::string_view chars);
inline term nil() { return term(); }

struct term_hash {
  std::size_t operator()(const term& t) const noexcept { return t.hash(); }
};

}  // namespace otp
