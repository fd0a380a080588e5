// otp::term — an Erlang term as a C++ value.
//
// A term is 16 bytes: a kind, a 32-bit aux word and a 64-bit payload. Integers that fit 64 signed
// bits, floats, atoms, pids, ports and export funs (fun M:F/A) live inline; tuples, lists, maps,
// binaries, bitstrings, references, integers beyond 64 bits (otp/big_integer.hpp) and funs point
// to an immutable, reference-counted heap object. Copying a term copies the pointer and bumps an atomic count, so
// terms are cheap to pass between processes and threads. A term owns no code: it can outlive the
// module version that made it.
//
// Every value has one form: an integer that fits int64 is always inline (big_integer only holds
// the others), and a bitstring of whole bytes is always a binary; so equality of two integers or
// of two binaries stays a comparison of like kinds.
//
// Comparison is Erlang's term order (number < atom < reference < fun < port < pid < tuple < map <
// nil < list < bitstring); integers (of any size) and floats compare by value, and when equal by
// value the integer sorts first, so `==` is Erlang's exact equality (=:=) and hashing agrees with
// it. Funs compare as OTP 25 does: a local fun before an export fun; local funs by module, index,
// old uniq, then their free variables (not their pid or 16-byte uniq); export funs by module,
// function, arity. Binaries and bitstrings compare bit by bit, a prefix first.
//
// Thread-safety: a term is immutable; any number of threads may read and copy the same term.
#pragma once

#include <array>
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

// The kinds that point to a heap object are reference and those from tuple on, nil excepted.
enum class term_kind : std::uint8_t {
  integer,  // fits int64
  floating,
  atom,
  reference,
  pid,
  port,
  export_fun,  // fun Module:Function/Arity
  tuple,
  map,
  nil,
  list,
  binary,
  bitstring,    // a bit count that is not a multiple of 8
  big_integer,  // beyond int64 (otp/big_integer.hpp reads and makes them)
  fun,          // a local fun received from Erlang, kept to be sent back unchanged
};

// The largest integer a term holds: 2^24 bits of magnitude (about 5 million decimal digits). Its
// bytes are cheap to hold and to send; printing one in decimal costs quadratic time in its size.
inline constexpr std::uint64_t max_big_integer_bits = std::uint64_t{1} << 24;

// Compounds (tuples, lists, maps, funs' free variables) nested deeper than this are refused by the
// ETF decoder and the text parser alike; comparing, hashing and copying terms recurse that deep.
inline constexpr std::size_t max_term_depth = 1000;

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
struct fun_object;
}  // namespace detail

class term;

// A process identifier. `node` is an index into the node table (0 is this node).
struct pid_parts {
  std::uint32_t node = 0;
  std::uint32_t id = 0;
  std::uint32_t serial = 0;
};

// A port identifier. `node` is an index into the node table, as for pids.
struct port_parts {
  std::uint32_t node = 0;
  std::uint64_t id = 0;
};

// An export fun: fun Module:Function/Arity.
struct export_parts {
  atom module = atoms::undefined;
  atom function = atoms::undefined;
  std::uint8_t arity = 0;
};

// The parts of a local fun as NEW_FUN_EXT carries them (erl_ext_dist): enough to send it back
// exactly as it came. `pid` is the process that created it; `free_variables` its environment.
struct fun_parts {
  atom module = atoms::undefined;
  std::uint8_t arity = 0;
  std::array<std::uint8_t, 16> uniq{};
  std::uint32_t index = 0;
  std::int64_t old_index = 0;
  std::int64_t old_uniq = 0;
  pid_parts pid;
  std::vector<term> free_variables;
};

class term {
 public:
  term() noexcept : kind_(term_kind::nil), aux_(0), bits_(0) {}
  term(int v) noexcept : term(static_cast<long long>(v)) {}
  term(long v) noexcept : term(static_cast<long long>(v)) {}
  term(long long v) noexcept : kind_(term_kind::integer), aux_(0), int_(static_cast<std::int64_t>(v)) {}
  term(unsigned v) noexcept : term(static_cast<long long>(v)) {}
  // Values above INT64_MAX make a big integer.
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
  // A bitstring of `bit_count` bits: the whole bytes of `bytes`, then the high bit_count % 8 bits
  // of the next one (the other bits are ignored). A multiple of 8 makes a binary.
  static term make_bitstring(std::string_view bytes, std::uint64_t bit_count);
  // The integer (-1)^negative * magnitude, magnitude in little-endian bytes (as SMALL_BIG_EXT
  // carries it): inline when it fits int64, else a big integer. Throws bad_term beyond
  // max_big_integer_bits.
  static term make_integer(bool negative, std::string_view magnitude);
  static term make_port(port_parts parts) noexcept;
  static term make_export(export_parts parts) noexcept;
  static term make_fun(fun_parts parts);

  // --- inspection ----------------------------------------------------------------------------
  term_kind kind() const noexcept { return kind_; }
  // An integer that fits int64 (as_int() reads it); is_big_integer() for the others.
  bool is_integer() const noexcept { return kind_ == term_kind::integer; }
  bool is_big_integer() const noexcept { return kind_ == term_kind::big_integer; }
  bool is_float() const noexcept { return kind_ == term_kind::floating; }
  bool is_number() const noexcept { return is_integer() || is_float() || is_big_integer(); }
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
  bool is_bitstring() const noexcept { return kind_ == term_kind::binary || kind_ == term_kind::bitstring; }
  bool is_port() const noexcept { return kind_ == term_kind::port; }
  // A local fun or an export fun.
  bool is_fun() const noexcept { return kind_ == term_kind::fun || kind_ == term_kind::export_fun; }
  // A proper list: nil, or a list whose last tail is nil.
  bool is_proper_list() const noexcept;

  std::int64_t as_int() const;
  double as_float() const;  // integers convert
  atom as_atom() const;
  pid_parts as_pid() const;
  std::string_view as_binary() const;  // the bytes of a binary
  // The bytes of a binary or bitstring (a bitstring's last byte holds its high bit_size() % 8
  // bits, the rest zero), and its size in bits.
  std::string_view bitstring_bytes() const;
  std::uint64_t bit_size() const;
  // A big integer's sign and magnitude (little-endian bytes, the last one not zero).
  bool big_integer_negative() const;
  std::string_view big_integer_magnitude() const;
  port_parts as_port() const;
  export_parts as_export() const;
  fun_parts as_fun() const;
  // A local fun's free variables, without copying them.
  std::span<const term> fun_free_variables() const;
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
      case term_kind::pid:
      case term_kind::port:
      case term_kind::export_fun: return a.aux_ == b.aux_ && a.bits_ == b.bits_;
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
  // atom: atom index; pid, port: node index; list: offset of the first element in the list
  // object; bitstring: the bits used in its last byte (1..7); big_integer: 1 when negative;
  // export_fun: arity.
  std::uint32_t aux_;
  union {
    std::int64_t int_;
    double float_;
    std::uint64_t bits_;  // pid: id << 32 | serial; port: id; export_fun: module << 32 | function
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
