#include "otp/term.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <new>

#include "otp/node_table.hpp"
#include "terms/term_heap.hpp"

namespace otp {

using detail::binary_object;
using detail::fun_object;
using detail::heap_object;
using detail::list_object;
using detail::map_object;
using detail::reference_object;
using detail::tuple_object;

namespace detail {
namespace {

void destroy_now(heap_object* h, term_kind kind) noexcept {
  switch (kind) {
    case term_kind::tuple: tuple_object::destroy(static_cast<tuple_object*>(h)); break;
    case term_kind::list: list_object::destroy(static_cast<list_object*>(h)); break;
    case term_kind::map: map_object::destroy(static_cast<map_object*>(h)); break;
    case term_kind::binary:
    case term_kind::bitstring:
    case term_kind::big_integer: binary_object::destroy(static_cast<binary_object*>(h)); break;
    case term_kind::fun: fun_object::destroy(static_cast<fun_object*>(h)); break;
    case term_kind::reference: reference_object::destroy(static_cast<reference_object*>(h)); break;
    default: break;
  }
}

// Destroying a compound releases its elements, which may destroy theirs: done recursively, a
// deeply nested term would overflow a fiber's stack. The outermost destroy on a thread keeps a
// list of the compounds its elements freed and destroys them one after another instead.
// Plain data, so it stays usable while the thread's other thread_locals are being destroyed (terms
// held by them are freed then too); the list itself is freed by `queue_owner` at thread exit, after
// which destruction simply recurses.
using pending_list = std::vector<std::pair<heap_object*, term_kind>>;
struct destruction_queue {
  bool active;
  bool finished;
  pending_list* pending;
};
__attribute__((tls_model("initial-exec"))) thread_local destruction_queue destructions{};

struct queue_owner {
  ~queue_owner() {
    delete destructions.pending;
    destructions.pending = nullptr;
    destructions.finished = true;
  }
};

pending_list* pending_of_this_thread() {
  destruction_queue& queue = destructions;
  if (queue.pending == nullptr && !queue.finished) {
    static thread_local queue_owner owner;
    (void)owner;
    queue.pending = new pending_list();
  }
  return queue.pending;
}

}  // namespace

void destroy(heap_object* h, term_kind kind) noexcept {
  destruction_queue& queue = destructions;
  if (queue.active) {
    queue.pending->emplace_back(h, kind);
    return;
  }
  pending_list* pending = pending_of_this_thread();
  if (pending == nullptr) {  // the thread is exiting
    destroy_now(h, kind);
    return;
  }
  queue.active = true;
  destroy_now(h, kind);
  while (!pending->empty()) {
    const auto [next, next_kind] = pending->back();
    pending->pop_back();
    destroy_now(next, next_kind);
  }
  queue.active = false;
}

}  // namespace detail

term::term(unsigned long v) : term(static_cast<unsigned long long>(v)) {}
term::term(unsigned long long v) : kind_(term_kind::integer), aux_(0), int_(0) {
  if (v <= static_cast<unsigned long long>(INT64_MAX)) {
    int_ = static_cast<std::int64_t>(v);
    return;
  }
  std::array<char, 8> magnitude;
  for (std::size_t i = 0; i < magnitude.size(); ++i) magnitude[i] = static_cast<char>(v >> (8 * i));
  *this = make_integer(false, std::string_view(magnitude.data(), magnitude.size()));
}

// --- construction -----------------------------------------------------------------------------

term term::make_tuple(std::vector<term> elements) { return make_tuple_from(elements); }

term term::make_tuple_from(std::span<term> elements) {
  return term(term_kind::tuple, 0, tuple_object::create(elements));
}

term term::make_list(std::vector<term> elements, term tail) { return make_list_from(elements, std::move(tail)); }

term term::make_list_from(std::span<term> elements, term tail) {
  if (elements.empty()) return tail;
  if (tail.kind_ == term_kind::list) {  // flatten [a, b | [c, d | T]] into one object
    std::vector<term> joined(std::make_move_iterator(elements.begin()), std::make_move_iterator(elements.end()));
    auto rest = tail.elements();
    joined.insert(joined.end(), rest.begin(), rest.end());
    term inner_tail = tail.list_tail();
    return term(term_kind::list, 0, list_object::create(joined, std::move(inner_tail)));
  }
  return term(term_kind::list, 0, list_object::create(elements, std::move(tail)));
}

term term::make_map(std::vector<std::pair<term, term>> pairs) {
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // Keep the last of equal keys, as #{k => 1, k => 2} does.
  std::vector<std::pair<term, term>> unique;
  unique.reserve(pairs.size());
  for (auto& p : pairs) {
    if (!unique.empty() && unique.back().first == p.first)
      unique.back().second = std::move(p.second);
    else
      unique.push_back(std::move(p));
  }
  return term(term_kind::map, 0, map_object::create(std::move(unique)));
}

term term::make_binary(std::span<const std::byte> bytes) {
  return term(term_kind::binary, 0,
              binary_object::create(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
}

term term::make_binary(std::string_view bytes) { return term(term_kind::binary, 0, binary_object::create(bytes)); }

term term::make_pid(pid_parts parts) noexcept {
  term t;
  t.kind_ = term_kind::pid;
  t.aux_ = parts.node;
  t.bits_ = (static_cast<std::uint64_t>(parts.id) << 32) | parts.serial;
  return t;
}

term term::make_reference(std::uint32_t node, std::span<const std::uint32_t> ids) {
  if (ids.empty() || ids.size() > reference_object::max_ids)
    throw bad_term("a reference has 1 to 5 id words, not " + std::to_string(ids.size()));
  return term(term_kind::reference, node, reference_object::create(ids));
}

term term::make_bitstring(std::string_view bytes, std::uint64_t bit_count) {
  const std::uint64_t whole = bit_count / 8;
  const auto rest = static_cast<std::uint32_t>(bit_count % 8);
  const std::uint64_t used = whole + (rest != 0 ? 1 : 0);
  if (used > bytes.size())
    throw bad_term("a bitstring of " + std::to_string(bit_count) + " bits needs " + std::to_string(used) +
                   " bytes, not " + std::to_string(bytes.size()));
  if (rest == 0) return make_binary(bytes.substr(0, whole));
  auto* object = binary_object::create(bytes.substr(0, used));
  object->data()[whole] = static_cast<char>(static_cast<unsigned char>(object->data()[whole]) & (0xFF00u >> rest));
  return term(term_kind::bitstring, rest, object);
}

term term::make_integer(bool negative, std::string_view magnitude) {
  while (!magnitude.empty() && magnitude.back() == 0) magnitude.remove_suffix(1);
  if (magnitude.size() <= 8) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < magnitude.size(); ++i)
      value |= std::uint64_t{static_cast<unsigned char>(magnitude[i])} << (8 * i);
    const std::uint64_t int64_min_magnitude = std::uint64_t{1} << 63;
    if (negative ? value <= int64_min_magnitude : value < int64_min_magnitude)
      return term(negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value));
  }
  if (magnitude.size() > max_big_integer_bits / 8)
    throw bad_term("an integer of " + std::to_string(magnitude.size()) + " bytes is beyond the " +
                   std::to_string(max_big_integer_bits) + "-bit limit of a term");
  return term(term_kind::big_integer, negative ? 1 : 0, binary_object::create(magnitude));
}

term term::make_port(port_parts parts) noexcept {
  term t;
  t.kind_ = term_kind::port;
  t.aux_ = parts.node;
  t.bits_ = parts.id;
  return t;
}

term term::make_export(export_parts parts) noexcept {
  term t;
  t.kind_ = term_kind::export_fun;
  t.aux_ = parts.arity;
  t.bits_ = (static_cast<std::uint64_t>(parts.module.index()) << 32) | parts.function.index();
  return t;
}

term term::make_fun(fun_parts parts) {
  auto* object = fun_object::create_from(std::span<term>(parts.free_variables));
  object->module = parts.module.index();
  object->index = parts.index;
  object->old_index = parts.old_index;
  object->old_uniq = parts.old_uniq;
  object->pid = parts.pid;
  object->arity = parts.arity;
  object->uniq = parts.uniq;
  return term(term_kind::fun, 0, object);
}

term charlist(std::string_view chars) {
  std::vector<term> v;
  v.reserve(chars.size());
  for (char c : chars) v.emplace_back(static_cast<std::int64_t>(static_cast<unsigned char>(c)));
  return term::make_list(std::move(v));
}

// --- inspection -------------------------------------------------------------------------------

namespace {
[[noreturn]] void wrong_kind(const term& t, const char* wanted) {
  throw bad_term(std::string("expected ") + wanted + ", got " + t.to_string());
}
}  // namespace

const list_object& term::list_obj() const { return *static_cast<const list_object*>(heap_); }

bool term::is_proper_list() const noexcept {
  if (kind_ == term_kind::nil) return true;
  return kind_ == term_kind::list && list_obj().tail.is_nil();
}

std::int64_t term::as_int() const {
  if (!is_integer()) wrong_kind(*this, "an integer");
  return int_;
}

double term::as_float() const {
  if (is_float()) return float_;
  if (is_integer()) return static_cast<double>(int_);
  if (is_big_integer()) {  // from the top 8 bytes: rounded, infinite beyond the double range
    const std::string_view magnitude = big_integer_magnitude();
    const std::size_t low = magnitude.size() - 8;
    std::uint64_t top = 0;
    for (std::size_t i = magnitude.size(); i-- > low;) top = top << 8 | static_cast<unsigned char>(magnitude[i]);
    const double value = std::ldexp(static_cast<double>(top), static_cast<int>(8 * low));
    return big_integer_negative() ? -value : value;
  }
  wrong_kind(*this, "a number");
}

atom term::as_atom() const {
  if (!is_atom()) wrong_kind(*this, "an atom");
  return atom::from_index(aux_);
}

pid_parts term::as_pid() const {
  if (!is_pid()) wrong_kind(*this, "a pid");
  return pid_parts{aux_, static_cast<std::uint32_t>(bits_ >> 32), static_cast<std::uint32_t>(bits_)};
}

std::string_view term::as_binary() const {
  if (!is_binary()) wrong_kind(*this, "a binary");
  const auto* b = static_cast<const binary_object*>(heap_);
  return {b->data(), b->size};
}

std::string_view term::bitstring_bytes() const {
  if (!is_bitstring()) wrong_kind(*this, "a bitstring");
  const auto* b = static_cast<const binary_object*>(heap_);
  return {b->data(), b->size};
}

std::uint64_t term::bit_size() const {
  const std::uint64_t bytes = bitstring_bytes().size();
  return kind_ == term_kind::bitstring ? (bytes - 1) * 8 + aux_ : bytes * 8;
}

bool term::big_integer_negative() const {
  if (!is_big_integer()) wrong_kind(*this, "a big integer");
  return aux_ != 0;
}

std::string_view term::big_integer_magnitude() const {
  if (!is_big_integer()) wrong_kind(*this, "a big integer");
  const auto* b = static_cast<const binary_object*>(heap_);
  return {b->data(), b->size};
}

port_parts term::as_port() const {
  if (!is_port()) wrong_kind(*this, "a port");
  return {aux_, bits_};
}

export_parts term::as_export() const {
  if (kind_ != term_kind::export_fun) wrong_kind(*this, "an export fun");
  return {atom::from_index(static_cast<std::uint32_t>(bits_ >> 32)),
          atom::from_index(static_cast<std::uint32_t>(bits_)), static_cast<std::uint8_t>(aux_)};
}

fun_parts term::as_fun() const {
  if (kind_ != term_kind::fun) wrong_kind(*this, "a local fun");
  const auto* f = static_cast<const fun_object*>(heap_);
  return {atom::from_index(f->module),
          f->arity,
          f->uniq,
          f->index,
          f->old_index,
          f->old_uniq,
          f->pid,
          std::vector<term>(f->data(), f->data() + f->size)};
}

std::span<const term> term::fun_free_variables() const {
  if (kind_ != term_kind::fun) wrong_kind(*this, "a local fun");
  const auto* f = static_cast<const fun_object*>(heap_);
  return {f->data(), f->size};
}

std::size_t term::size() const {
  switch (kind_) {
    case term_kind::tuple: return static_cast<const tuple_object*>(heap_)->size;
    case term_kind::map: return static_cast<const map_object*>(heap_)->size;
    case term_kind::list: return list_obj().size - aux_;
    case term_kind::nil: return 0;
    case term_kind::binary:
    case term_kind::bitstring: return static_cast<const binary_object*>(heap_)->size;
    default: wrong_kind(*this, "a tuple, list, map or bitstring");
  }
}

std::span<const term> term::elements() const {
  switch (kind_) {
    case term_kind::tuple: {
      const auto* t = static_cast<const tuple_object*>(heap_);
      return {t->data(), t->size};
    }
    case term_kind::list: {
      const auto& l = list_obj();
      return {l.data() + aux_, l.size - aux_};
    }
    case term_kind::nil: return {};
    default: wrong_kind(*this, "a tuple or list");
  }
}

const term& term::element_slow(std::size_t index) const {
  auto e = elements();
  if (index >= e.size()) throw bad_term("index " + std::to_string(index) + " out of range for " + to_string());
  return e[index];
}

const term& term::head() const {
  if (kind_ != term_kind::list) wrong_kind(*this, "a non-empty list");
  return list_obj().data()[aux_];
}

term term::tail() const {
  if (kind_ != term_kind::list) wrong_kind(*this, "a non-empty list");
  const auto& l = list_obj();
  if (aux_ + 1 == l.size) return l.tail;
  term t(*this);
  ++t.aux_;
  return t;
}

const term& term::list_tail() const {
  static const term nil_term;
  if (kind_ == term_kind::nil) return nil_term;
  if (kind_ != term_kind::list) wrong_kind(*this, "a list");
  return list_obj().tail;
}

const term* term::find(const term& key) const {
  if (!is_map()) wrong_kind(*this, "a map");
  const auto* m = static_cast<const map_object*>(heap_);
  const auto* begin = m->data();
  const auto* end = begin + m->size;
  const auto* it = std::lower_bound(begin, end, key, [](const auto& p, const term& k) { return p.first < k; });
  return it != end && it->first == key ? &it->second : nullptr;
}

std::span<const std::pair<term, term>> term::map_pairs() const {
  if (!is_map()) wrong_kind(*this, "a map");
  const auto* m = static_cast<const map_object*>(heap_);
  return {m->data(), m->size};
}

std::uint32_t term::reference_node() const {
  if (!is_reference()) wrong_kind(*this, "a reference");
  return aux_;
}

std::span<const std::uint32_t> term::reference_ids() const {
  if (!is_reference()) wrong_kind(*this, "a reference");
  const auto* r = static_cast<const reference_object*>(heap_);
  return {r->ids, r->count};
}

std::optional<std::string> term::as_charlist() const {
  if (!is_proper_list()) return std::nullopt;
  std::string s;
  for (const term& e : elements()) {
    if (!e.is_integer() || e.int_ < 0 || e.int_ > 255) return std::nullopt;
    s.push_back(static_cast<char>(e.int_));
  }
  return s;
}

// --- order ------------------------------------------------------------------------------------

namespace {

int kind_rank(term_kind k) {
  switch (k) {
    case term_kind::integer:
    case term_kind::big_integer:
    case term_kind::floating: return 0;
    case term_kind::atom: return 1;
    case term_kind::reference: return 2;
    case term_kind::fun:
    case term_kind::export_fun: return 3;
    case term_kind::port: return 4;
    case term_kind::pid: return 5;
    case term_kind::tuple: return 6;
    case term_kind::map: return 7;
    case term_kind::nil: return 8;
    case term_kind::list: return 9;
    case term_kind::binary:
    case term_kind::bitstring: return 10;
  }
  return 11;
}

std::strong_ordering compare_int_float(std::int64_t i, double f) {
  const long double li = static_cast<long double>(i);
  const long double lf = static_cast<long double>(f);
  if (li < lf) return std::strong_ordering::less;
  if (li > lf) return std::strong_ordering::greater;
  return std::strong_ordering::less;  // equal by value: the integer sorts first (exact order)
}

std::strong_ordering reverse(std::strong_ordering c) { return 0 <=> c; }

// Magnitudes as little-endian bytes without high zero bytes.
std::strong_ordering compare_magnitudes(std::string_view a, std::string_view b) {
  if (auto c = a.size() <=> b.size(); c != 0) return c;
  for (std::size_t i = a.size(); i-- > 0;)
    if (auto c = static_cast<unsigned char>(a[i]) <=> static_cast<unsigned char>(b[i]); c != 0) return c;
  return std::strong_ordering::equal;
}

// A big integer against a float, by value; equal by value, the integer sorts first.
std::strong_ordering compare_big_float(const term& big, double f) {
  const bool negative = big.big_integer_negative();
  if (std::fabs(f) < 0x1p63 || std::signbit(f) != negative)  // |big| >= 2^63
    return negative ? std::strong_ordering::less : std::strong_ordering::greater;
  // |f| >= 2^63 is a whole number: mantissa * 2^shift exactly, as little-endian bytes.
  int exponent = 0;
  const double fraction = std::frexp(std::fabs(f), &exponent);
  const auto mantissa = static_cast<std::uint64_t>(std::ldexp(fraction, 53));
  const int shift = exponent - 53;
  std::string bytes(static_cast<std::size_t>(shift / 8) + 8, '\0');
  const std::uint64_t shifted = mantissa << (shift % 8);  // 53 + 7 bits
  for (std::size_t i = 0; i < 8; ++i)
    bytes[static_cast<std::size_t>(shift / 8) + i] = static_cast<char>(shifted >> (8 * i));
  while (!bytes.empty() && bytes.back() == 0) bytes.pop_back();
  const auto c = compare_magnitudes(big.big_integer_magnitude(), bytes);
  if (c == 0) return std::strong_ordering::less;
  return negative ? reverse(c) : c;
}

// Numbers of different kinds (integer, big integer, float), by value; the integer first when equal.
std::strong_ordering compare_mixed_numbers(const term& a, const term& b) {
  if (a.is_float()) return reverse(compare_mixed_numbers(b, a));
  if (a.is_integer()) {
    if (b.is_float()) return compare_int_float(a.as_int(), b.as_float());
    return b.big_integer_negative() ? std::strong_ordering::greater : std::strong_ordering::less;
  }
  if (b.is_float()) return compare_big_float(a, b.as_float());
  return reverse(compare_mixed_numbers(b, a));
}

std::strong_ordering compare_bigs(const term& a, const term& b) {
  const bool negative = a.big_integer_negative();
  if (negative != b.big_integer_negative())
    return negative ? std::strong_ordering::less : std::strong_ordering::greater;
  const auto c = compare_magnitudes(a.big_integer_magnitude(), b.big_integer_magnitude());
  return negative ? reverse(c) : c;
}

// Bit by bit, a prefix before the longer bitstring.
std::strong_ordering compare_bitstrings(const term& a, const term& b) {
  const std::string_view ba = a.bitstring_bytes();
  const std::string_view bb = b.bitstring_bytes();
  const std::uint64_t common_bits = std::min(a.bit_size(), b.bit_size());
  const std::size_t whole = static_cast<std::size_t>(common_bits / 8);
  if (const int c = ba.substr(0, whole).compare(bb.substr(0, whole)); c != 0)
    return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  if (const auto rest = static_cast<unsigned>(common_bits % 8); rest != 0) {
    const unsigned mask = 0xFF00u >> rest;
    const unsigned x = static_cast<unsigned char>(ba[whole]) & mask;
    const unsigned y = static_cast<unsigned char>(bb[whole]) & mask;
    if (x != y) return x <=> y;
  }
  return a.bit_size() <=> b.bit_size();
}

std::strong_ordering compare_doubles(double a, double b) {
  if (a < b) return std::strong_ordering::less;
  if (a > b) return std::strong_ordering::greater;
  if (a == b) return std::strong_ordering::equal;  // OTP 25 has 0.0 =:= -0.0
  // Erlang has no NaN; one made in C++ still needs a total order: by its bits.
  return std::bit_cast<std::uint64_t>(a) <=> std::bit_cast<std::uint64_t>(b);
}

std::strong_ordering compare_atoms(std::uint32_t a, std::uint32_t b) {
  if (a == b) return std::strong_ordering::equal;
  const auto c = atom::from_index(a).text().compare(atom::from_index(b).text());
  return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
}

std::strong_ordering compare_nodes(std::uint32_t a, std::uint32_t b) {
  if (a == b) return std::strong_ordering::equal;
  const auto ia = node_table::identity(a);
  const auto ib = node_table::identity(b);
  if (auto c = compare_atoms(ia.name.index(), ib.name.index()); c != 0) return c;
  return ia.creation <=> ib.creation;
}

std::strong_ordering compare_spans(std::span<const term> a, std::span<const term> b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (auto c = a[i] <=> b[i]; c != 0) return c;
  return a.size() <=> b.size();
}

// As OTP 25: module, index, old uniq, number of free variables, then the free variables.
std::strong_ordering compare_funs(const fun_object& a, const fun_object& b) {
  if (auto c = compare_atoms(a.module, b.module); c != 0) return c;
  if (auto c = a.index <=> b.index; c != 0) return c;
  if (auto c = a.old_uniq <=> b.old_uniq; c != 0) return c;
  if (auto c = a.size <=> b.size; c != 0) return c;
  return compare_spans({a.data(), a.size}, {b.data(), b.size});
}

std::strong_ordering compare_exports(const export_parts& a, const export_parts& b) {
  if (auto c = compare_atoms(a.module.index(), b.module.index()); c != 0) return c;
  if (auto c = compare_atoms(a.function.index(), b.function.index()); c != 0) return c;
  return a.arity <=> b.arity;
}

}  // namespace

std::strong_ordering operator<=>(const term& a, const term& b) noexcept {
  if (a.kind_ != b.kind_) {
    if (a.kind_ == term_kind::integer && b.kind_ == term_kind::floating) return compare_int_float(a.int_, b.float_);
    if (a.kind_ == term_kind::floating && b.kind_ == term_kind::integer)
      return 0 <=> compare_int_float(b.int_, a.float_);
    if (auto c = kind_rank(a.kind_) <=> kind_rank(b.kind_); c != 0) return c;
    if (a.is_number()) return compare_mixed_numbers(a, b);
    if (a.is_bitstring()) return compare_bitstrings(a, b);
    return a.kind_ == term_kind::fun ? std::strong_ordering::less : std::strong_ordering::greater;  // local < export
  }
  switch (a.kind_) {
    case term_kind::integer: return a.int_ <=> b.int_;
    case term_kind::floating: return compare_doubles(a.float_, b.float_);
    case term_kind::atom: return compare_atoms(a.aux_, b.aux_);
    case term_kind::nil: return std::strong_ordering::equal;
    case term_kind::pid: {
      // Erlang compares pids by serial, then number (its pid data, serial in the high bits), and
      // only then by node; references and ports compare their node first.
      const pid_parts pa = a.as_pid();
      const pid_parts pb = b.as_pid();
      if (auto c = pa.serial <=> pb.serial; c != 0) return c;
      if (auto c = pa.id <=> pb.id; c != 0) return c;
      return compare_nodes(a.aux_, b.aux_);
    }
    case term_kind::reference: {
      if (a.heap_ == b.heap_ && a.aux_ == b.aux_) return std::strong_ordering::equal;
      if (auto c = compare_nodes(a.aux_, b.aux_); c != 0) return c;
      auto ia = a.reference_ids();
      auto ib = b.reference_ids();
      // Erlang compares the id words from the most significant (last) one.
      if (auto c = ia.size() <=> ib.size(); c != 0) return c;
      for (std::size_t i = ia.size(); i-- > 0;)
        if (auto c = ia[i] <=> ib[i]; c != 0) return c;
      return std::strong_ordering::equal;
    }
    case term_kind::tuple: {
      if (a.heap_ == b.heap_) return std::strong_ordering::equal;
      if (auto c = a.size() <=> b.size(); c != 0) return c;  // tuples order by size first
      return compare_spans(a.elements(), b.elements());
    }
    case term_kind::map: {
      if (a.heap_ == b.heap_) return std::strong_ordering::equal;
      auto pa = a.map_pairs();
      auto pb = b.map_pairs();
      if (auto c = pa.size() <=> pb.size(); c != 0) return c;  // then keys in order, then values
      for (std::size_t i = 0; i < pa.size(); ++i)
        if (auto c = pa[i].first <=> pb[i].first; c != 0) return c;
      for (std::size_t i = 0; i < pa.size(); ++i)
        if (auto c = pa[i].second <=> pb[i].second; c != 0) return c;
      return std::strong_ordering::equal;
    }
    case term_kind::list: {
      if (a.heap_ == b.heap_ && a.aux_ == b.aux_) return std::strong_ordering::equal;
      // Element by element as cons cells compare: [1,2|T] vs [1,2,3]: after 2, T vs [3].
      auto ea = a.elements();
      auto eb = b.elements();
      const std::size_t n = std::min(ea.size(), eb.size());
      for (std::size_t i = 0; i < n; ++i)
        if (auto c = ea[i] <=> eb[i]; c != 0) return c;
      const term rest_a = ea.size() > n ? term::make_list({ea.begin() + n, ea.end()}, a.list_tail()) : a.list_tail();
      const term rest_b = eb.size() > n ? term::make_list({eb.begin() + n, eb.end()}, b.list_tail()) : b.list_tail();
      return rest_a <=> rest_b;
    }
    case term_kind::binary: {
      const auto c = a.as_binary().compare(b.as_binary());
      return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
    }
    case term_kind::bitstring: return compare_bitstrings(a, b);
    case term_kind::big_integer: return compare_bigs(a, b);
    case term_kind::port:
      if (auto c = compare_nodes(a.aux_, b.aux_); c != 0) return c;
      return a.bits_ <=> b.bits_;
    case term_kind::export_fun: return compare_exports(a.as_export(), b.as_export());
    case term_kind::fun:
      if (a.heap_ == b.heap_) return std::strong_ordering::equal;
      return compare_funs(*static_cast<const fun_object*>(a.heap_), *static_cast<const fun_object*>(b.heap_));
  }
  return std::strong_ordering::equal;
}

bool term::equal_compounds(const term& a, const term& b) noexcept { return (a <=> b) == 0; }

std::size_t term::hash() const noexcept {
  auto mix = [](std::size_t h, std::size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); };
  std::size_t h = static_cast<std::size_t>(kind_);
  switch (kind_) {
    case term_kind::integer: return mix(h, std::hash<std::int64_t>{}(int_));
    case term_kind::floating: return mix(h, std::hash<double>{}(float_ == 0.0 ? 0.0 : float_));
    case term_kind::atom: return mix(h, aux_);
    case term_kind::pid: return mix(mix(h, aux_), std::hash<std::uint64_t>{}(bits_));
    case term_kind::nil: return h;
    case term_kind::reference: {
      h = mix(h, aux_);
      for (auto id : reference_ids()) h = mix(h, id);
      return h;
    }
    case term_kind::tuple:
    case term_kind::list: {
      for (const term& e : elements()) h = mix(h, e.hash());
      return kind_ == term_kind::list ? mix(h, list_tail().hash()) : h;
    }
    case term_kind::map: {
      for (const auto& [k, v] : map_pairs()) h = mix(mix(h, k.hash()), v.hash());
      return h;
    }
    case term_kind::binary: return mix(h, std::hash<std::string_view>{}(as_binary()));
    case term_kind::bitstring: return mix(mix(h, aux_), std::hash<std::string_view>{}(bitstring_bytes()));
    case term_kind::big_integer: return mix(mix(h, aux_), std::hash<std::string_view>{}(big_integer_magnitude()));
    case term_kind::port:
    case term_kind::export_fun: return mix(mix(h, aux_), std::hash<std::uint64_t>{}(bits_));
    case term_kind::fun: {  // what compare_funs compares, no more
      const auto* f = static_cast<const fun_object*>(heap_);
      h = mix(mix(mix(h, f->module), f->index), static_cast<std::size_t>(f->old_uniq));
      for (std::size_t i = 0; i < f->size; ++i) h = mix(h, f->data()[i].hash());
      return h;
    }
  }
  return h;
}

}  // namespace otp
