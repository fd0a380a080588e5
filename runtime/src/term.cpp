#include "otp/term.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <new>

#include "otp/node_table.hpp"
#include "term_heap.hpp"

namespace otp {

using detail::binary_object;
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
    case term_kind::binary: binary_object::destroy(static_cast<binary_object*>(h)); break;
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
  if (v > static_cast<unsigned long long>(INT64_MAX))
    throw bad_term("integer " + std::to_string(v) + " does not fit in 64 signed bits");
  int_ = static_cast<std::int64_t>(v);
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

std::size_t term::size() const {
  switch (kind_) {
    case term_kind::tuple: return static_cast<const tuple_object*>(heap_)->size;
    case term_kind::map: return static_cast<const map_object*>(heap_)->size;
    case term_kind::list: return list_obj().size - aux_;
    case term_kind::nil: return 0;
    case term_kind::binary: return static_cast<const binary_object*>(heap_)->size;
    default: wrong_kind(*this, "a tuple, list, map or binary");
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
    case term_kind::floating: return 0;
    case term_kind::atom: return 1;
    case term_kind::reference: return 2;
    case term_kind::pid: return 3;
    case term_kind::tuple: return 4;
    case term_kind::map: return 5;
    case term_kind::nil: return 6;
    case term_kind::list: return 7;
    case term_kind::binary: return 8;
  }
  return 9;
}

std::strong_ordering compare_int_float(std::int64_t i, double f) {
  const long double li = static_cast<long double>(i);
  const long double lf = static_cast<long double>(f);
  if (li < lf) return std::strong_ordering::less;
  if (li > lf) return std::strong_ordering::greater;
  return std::strong_ordering::less;  // equal by value: the integer sorts first (exact order)
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

}  // namespace

std::strong_ordering operator<=>(const term& a, const term& b) noexcept {
  if (a.kind_ != b.kind_) {
    if (a.kind_ == term_kind::integer && b.kind_ == term_kind::floating) return compare_int_float(a.int_, b.float_);
    if (a.kind_ == term_kind::floating && b.kind_ == term_kind::integer)
      return 0 <=> compare_int_float(b.int_, a.float_);
    return kind_rank(a.kind_) <=> kind_rank(b.kind_);
  }
  switch (a.kind_) {
    case term_kind::integer: return a.int_ <=> b.int_;
    case term_kind::floating: return compare_doubles(a.float_, b.float_);
    case term_kind::atom: return compare_atoms(a.aux_, b.aux_);
    case term_kind::nil: return std::strong_ordering::equal;
    case term_kind::pid: {
      // Erlang compares pids by node, then id, then serial.
      if (auto c = compare_nodes(a.aux_, b.aux_); c != 0) return c;
      return a.bits_ <=> b.bits_;
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
  }
  return h;
}

}  // namespace otp
