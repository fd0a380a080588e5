#include "otp/external_format.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "otp/atom.hpp"
#include "otp/node_table.hpp"
#include "terms/big_endian.hpp"

namespace otp::etf {
namespace {

// Tags of erl_ext_dist, including those refused, so that errors can name them.
enum tag : std::uint8_t {
  new_float_ext = 70,
  bit_binary_ext = 77,
  compressed_ext = 80,
  atom_cache_ref = 82,
  new_pid_ext = 88,
  new_port_ext = 89,
  newer_reference_ext = 90,
  small_integer_ext = 97,
  integer_ext = 98,
  float_ext = 99,
  atom_ext = 100,
  reference_ext = 101,
  port_ext = 102,
  pid_ext = 103,
  small_tuple_ext = 104,
  large_tuple_ext = 105,
  nil_ext = 106,
  string_ext = 107,
  list_ext = 108,
  binary_ext = 109,
  small_big_ext = 110,
  large_big_ext = 111,
  new_fun_ext = 112,
  export_ext = 113,
  new_reference_ext = 114,
  small_atom_ext = 115,
  map_ext = 116,
  fun_ext = 117,
  atom_utf8_ext = 118,
  small_atom_utf8_ext = 119,
  v4_port_ext = 120,
};

constexpr std::size_t max_string_ext_length = 0xFFFF;

std::string tag_name(std::uint8_t t) {
  switch (t) {
    case new_float_ext: return "NEW_FLOAT_EXT";
    case bit_binary_ext: return "BIT_BINARY_EXT";
    case compressed_ext: return "COMPRESSED";
    case atom_cache_ref: return "ATOM_CACHE_REF";
    case new_pid_ext: return "NEW_PID_EXT";
    case new_port_ext: return "NEW_PORT_EXT";
    case newer_reference_ext: return "NEWER_REFERENCE_EXT";
    case small_integer_ext: return "SMALL_INTEGER_EXT";
    case integer_ext: return "INTEGER_EXT";
    case float_ext: return "FLOAT_EXT";
    case atom_ext: return "ATOM_EXT";
    case reference_ext: return "REFERENCE_EXT";
    case port_ext: return "PORT_EXT";
    case pid_ext: return "PID_EXT";
    case small_tuple_ext: return "SMALL_TUPLE_EXT";
    case large_tuple_ext: return "LARGE_TUPLE_EXT";
    case nil_ext: return "NIL_EXT";
    case string_ext: return "STRING_EXT";
    case list_ext: return "LIST_EXT";
    case binary_ext: return "BINARY_EXT";
    case small_big_ext: return "SMALL_BIG_EXT";
    case large_big_ext: return "LARGE_BIG_EXT";
    case new_fun_ext: return "NEW_FUN_EXT";
    case export_ext: return "EXPORT_EXT";
    case new_reference_ext: return "NEW_REFERENCE_EXT";
    case small_atom_ext: return "SMALL_ATOM_EXT";
    case map_ext: return "MAP_EXT";
    case fun_ext: return "FUN_EXT";
    case atom_utf8_ext: return "ATOM_UTF8_EXT";
    case small_atom_utf8_ext: return "SMALL_ATOM_UTF8_EXT";
    case v4_port_ext: return "V4_PORT_EXT";
    default: return "tag " + std::to_string(t);
  }
}

// --- encoding ---------------------------------------------------------------------------------

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
using detail::put_u16;
using detail::put_u32;
using detail::put_u64;

// Appends `utf8` converted to Latin-1 when every character is below 256; otherwise appends nothing.
bool append_as_latin1(std::string& out, std::string_view utf8) {
  const std::size_t start = out.size();
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      put_u8(out, c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size()) {
      put_u8(out, static_cast<std::uint8_t>(((c & 0x03) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3F)));
    } else {
      out.resize(start);
      return false;
    }
  }
  return true;
}

void write_atom(std::string& out, atom a, atom_encoding encoding) {
  const std::string_view text = a.text();
  if (encoding == atom_encoding::latin1_when_possible) {
    const std::size_t header = out.size();
    put_u8(out, atom_ext);
    put_u16(out, 0);
    if (append_as_latin1(out, text)) {  // at most 255 characters, so the length fits the low byte
      out[header + 2] = static_cast<char>(out.size() - header - 3);
      return;
    }
    out.resize(header);
  }
  if (text.size() <= 0xFF) {
    put_u8(out, small_atom_utf8_ext);
    put_u8(out, static_cast<std::uint8_t>(text.size()));
  } else {
    put_u8(out, atom_utf8_ext);
    put_u16(out, static_cast<std::uint16_t>(text.size()));
  }
  out.append(text);
}

void write_integer(std::string& out, std::int64_t v) {
  if (v >= 0 && v <= 0xFF) {
    put_u8(out, small_integer_ext);
    put_u8(out, static_cast<std::uint8_t>(v));
  } else if (v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max()) {
    put_u8(out, integer_ext);
    put_u32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(v)));
  } else {
    std::uint64_t magnitude = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    const int digits = (std::bit_width(magnitude) + 7) / 8;
    put_u8(out, small_big_ext);
    put_u8(out, static_cast<std::uint8_t>(digits));
    put_u8(out, v < 0 ? 1 : 0);
    for (int i = 0; i < digits; ++i, magnitude >>= 8) put_u8(out, static_cast<std::uint8_t>(magnitude));
  }
}

void write_float(std::string& out, double v) {
  if (!std::isfinite(v)) throw bad_term("ETF: cannot encode the non-finite float " + std::to_string(v));
  put_u8(out, new_float_ext);
  put_u64(out, std::bit_cast<std::uint64_t>(v));
}

// A proper list of at most 65535 integers in 0..255, which term_to_binary writes as STRING_EXT.
bool is_string_ext(std::span<const term> elements, const term& tail) {
  return tail.is_nil() && elements.size() <= max_string_ext_length &&
         std::all_of(elements.begin(), elements.end(),
                     [](const term& e) { return e.is_integer() && e.as_int() >= 0 && e.as_int() <= 0xFF; });
}

// Erlang writes a small map's pairs in its key order: term order, except that every integer sorts
// before every float, at any depth ("in maps key order integers types are considered less than
// floats types"). Maps nested inside keys are compared pair by pair in their stored (term) order,
// which differs from Erlang only for such maps that mix integer and float keys.
std::strong_ordering key_order(const term& a, const term& b) {
  if (a.kind() != b.kind()) {
    if (a.is_number() && b.is_number())
      return a.is_integer() ? std::strong_ordering::less : std::strong_ordering::greater;
    return a <=> b;
  }
  switch (a.kind()) {
    case term_kind::tuple: {
      if (auto c = a.size() <=> b.size(); c != 0) return c;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (auto c = key_order(a[i], b[i]); c != 0) return c;
      return std::strong_ordering::equal;
    }
    case term_kind::list: {
      const auto ea = a.elements();
      const auto eb = b.elements();
      for (std::size_t i = 0; i < ea.size() && i < eb.size(); ++i)
        if (auto c = key_order(ea[i], eb[i]); c != 0) return c;
      // A tail is never itself a list object, so against the longer list's rest only its kind counts.
      if (ea.size() < eb.size()) return key_order(a.list_tail(), b);
      if (ea.size() > eb.size()) return key_order(a, b.list_tail());
      return key_order(a.list_tail(), b.list_tail());
    }
    case term_kind::map: {
      const auto pa = a.map_pairs();
      const auto pb = b.map_pairs();
      if (auto c = pa.size() <=> pb.size(); c != 0) return c;
      for (std::size_t i = 0; i < pa.size(); ++i)
        if (auto c = key_order(pa[i].first, pb[i].first); c != 0) return c;
      for (std::size_t i = 0; i < pa.size(); ++i)
        if (auto c = key_order(pa[i].second, pb[i].second); c != 0) return c;
      return std::strong_ordering::equal;
    }
    default: return a <=> b;
  }
}

// The order in which to write a map's pairs; empty when it is their stored order (the usual case).
std::vector<std::uint32_t> key_order_of(std::span<const std::pair<term, term>> pairs) {
  bool sorted = true;
  for (std::size_t i = 1; i < pairs.size() && sorted; ++i) sorted = key_order(pairs[i - 1].first, pairs[i].first) < 0;
  if (sorted) return {};
  std::vector<std::uint32_t> order(pairs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t x, std::uint32_t y) { return key_order(pairs[x].first, pairs[y].first) < 0; });
  return order;
}

// Writes terms depth-first with an explicit stack of the compounds still being written.
class encoder {
 public:
  encoder(std::string& out, atom_encoding atoms) : out_(out), atoms_(atoms) {}

  void encode(const term& root) {
    for (const term* next = &root; next != nullptr; next = next_child()) write(*next);
  }

 private:
  // The children of one compound that are still to be written.
  struct cursor {
    std::span<const term> elements;                // a tuple's or a list's elements
    const term* tail = nullptr;                    // a list's tail, after its elements
    std::span<const std::pair<term, term>> pairs;  // a map's pairs, each key then its value
    std::vector<std::uint32_t> pair_order;         // the order of `pairs` when not their stored one
    std::size_t next = 0;
    std::size_t size_field = no_size_field;  // a fun's Size field, written when its children are

    const term* next_child() {
      if (!pairs.empty()) {
        if (next == 2 * pairs.size()) return nullptr;
        const auto& pair = pairs[pair_order.empty() ? next / 2 : pair_order[next / 2]];
        return next++ % 2 == 0 ? &pair.first : &pair.second;
      }
      if (next < elements.size()) return &elements[next++];
      return std::exchange(tail, nullptr);
    }
  };

  static constexpr std::size_t no_size_field = static_cast<std::size_t>(-1);

  const term* next_child() {
    while (!stack_.empty()) {
      if (const term* child = stack_.back().next_child()) return child;
      if (stack_.back().size_field != no_size_field) patch_size(stack_.back().size_field);
      stack_.pop_back();
    }
    return nullptr;
  }

  // NEW_FUN_EXT's Size: its bytes from the Size field to the end of its last free variable.
  void patch_size(std::size_t at) {
    const std::size_t size = out_.size() - at;
    if (size > UINT32_MAX) throw bad_term("ETF: a fun of " + std::to_string(size) + " bytes is too large to encode");
    for (std::size_t i = 0; i < 4; ++i) out_[at + i] = static_cast<char>(size >> (8 * (3 - i)));
  }

  void write_pid(const pid_parts& pid, const term& t) {
    const node_identity node = owner(pid.node, t);
    put_u8(out_, new_pid_ext);
    write_atom(out_, node.name, atoms_);
    put_u32(out_, pid.id);
    put_u32(out_, pid.serial);
    put_u32(out_, node.creation);
  }

  void write_big(const term& t) {
    const std::string_view magnitude = t.big_integer_magnitude();
    if (magnitude.size() <= 0xFF) {
      put_u8(out_, small_big_ext);
      put_u8(out_, static_cast<std::uint8_t>(magnitude.size()));
    } else {
      put_u8(out_, large_big_ext);
      put_u32(out_, static_cast<std::uint32_t>(magnitude.size()));
    }
    put_u8(out_, t.big_integer_negative() ? 1 : 0);
    out_.append(magnitude);
  }

  void write_port(const term& t) {
    const port_parts port = t.as_port();
    const node_identity node = owner(port.node, t);
    const bool v3 = port.id <= UINT32_MAX;  // V4_PORT_EXT only for ids that NEW_PORT_EXT cannot hold
    put_u8(out_, v3 ? new_port_ext : v4_port_ext);
    write_atom(out_, node.name, atoms_);
    if (v3)
      put_u32(out_, static_cast<std::uint32_t>(port.id));
    else
      put_u64(out_, port.id);
    put_u32(out_, node.creation);
  }

  void write_fun(const term& t) {
    const fun_parts fun = t.as_fun();
    put_u8(out_, new_fun_ext);
    const std::size_t size_field = out_.size();
    put_u32(out_, 0);
    put_u8(out_, fun.arity);
    out_.append(reinterpret_cast<const char*>(fun.uniq.data()), fun.uniq.size());
    put_u32(out_, fun.index);
    put_u32(out_, static_cast<std::uint32_t>(fun.free_variables.size()));
    write_atom(out_, fun.module, atoms_);
    write_integer(out_, fun.old_index);
    write_integer(out_, fun.old_uniq);
    write_pid(fun.pid, t);
    const auto free_variables = t.fun_free_variables();
    if (free_variables.empty()) return patch_size(size_field);
    cursor& children = stack_.emplace_back();
    children.elements = free_variables;
    children.size_field = size_field;
  }

  // The node a pid or reference names; one no node owns would be written as another node's.
  static node_identity owner(std::uint32_t index, const term& t) {
    if (auto node = node_table::find(index)) return *node;
    throw bad_term("cannot encode " + t.to_string() + ": no node has number " + std::to_string(index) +
                   " in this node's table");
  }

  void write(const term& t) {
    switch (t.kind()) {
      case term_kind::integer: write_integer(out_, t.as_int()); break;
      case term_kind::floating: write_float(out_, t.as_float()); break;
      case term_kind::atom: write_atom(out_, t.as_atom(), atoms_); break;
      case term_kind::nil: put_u8(out_, nil_ext); break;
      case term_kind::pid: write_pid(t.as_pid(), t); break;
      case term_kind::big_integer: write_big(t); break;
      case term_kind::port: write_port(t); break;
      case term_kind::fun: write_fun(t); break;
      case term_kind::export_fun: {
        const export_parts fun = t.as_export();
        put_u8(out_, export_ext);
        write_atom(out_, fun.module, atoms_);
        write_atom(out_, fun.function, atoms_);
        write_integer(out_, fun.arity);
        break;
      }
      case term_kind::bitstring: {
        const std::string_view bytes = t.bitstring_bytes();
        put_u8(out_, bit_binary_ext);
        put_u32(out_, static_cast<std::uint32_t>(bytes.size()));
        put_u8(out_, static_cast<std::uint8_t>(t.bit_size() % 8));
        out_.append(bytes);
        break;
      }
      case term_kind::reference: {
        const auto ids = t.reference_ids();
        const node_identity node = owner(t.reference_node(), t);
        put_u8(out_, newer_reference_ext);
        put_u16(out_, static_cast<std::uint16_t>(ids.size()));
        write_atom(out_, node.name, atoms_);
        put_u32(out_, node.creation);
        for (std::uint32_t id : ids) put_u32(out_, id);
        break;
      }
      case term_kind::binary: {
        const std::string_view bytes = t.as_binary();
        put_u8(out_, binary_ext);
        put_u32(out_, static_cast<std::uint32_t>(bytes.size()));
        out_.append(bytes);
        break;
      }
      case term_kind::tuple: {
        const auto elements = t.elements();
        if (elements.size() <= 0xFF) {
          put_u8(out_, small_tuple_ext);
          put_u8(out_, static_cast<std::uint8_t>(elements.size()));
        } else {
          put_u8(out_, large_tuple_ext);
          put_u32(out_, static_cast<std::uint32_t>(elements.size()));
        }
        if (!elements.empty()) stack_.emplace_back().elements = elements;
        break;
      }
      case term_kind::list: {
        const auto elements = t.elements();
        const term& tail = t.list_tail();
        if (is_string_ext(elements, tail)) {
          put_u8(out_, string_ext);
          put_u16(out_, static_cast<std::uint16_t>(elements.size()));
          for (const term& e : elements) put_u8(out_, static_cast<std::uint8_t>(e.as_int()));
        } else {
          put_u8(out_, list_ext);
          put_u32(out_, static_cast<std::uint32_t>(elements.size()));
          cursor& children = stack_.emplace_back();
          children.elements = elements;
          children.tail = &tail;
        }
        break;
      }
      case term_kind::map: {
        const auto pairs = t.map_pairs();
        put_u8(out_, map_ext);
        put_u32(out_, static_cast<std::uint32_t>(pairs.size()));
        if (!pairs.empty()) {
          cursor& children = stack_.emplace_back();
          children.pairs = pairs;
          children.pair_order = key_order_of(pairs);
        }
        break;
      }
    }
  }

  std::string& out_;
  atom_encoding atoms_;
  std::vector<cursor> stack_;
};

// --- decoding ---------------------------------------------------------------------------------

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF (as binary_to_term).
bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (c < 0x80) {
      length = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) second_min = 0xA0;
      if (c == 0xED) second_max = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) second_min = 0x90;
      if (c == 0xF4) second_max = 0x8F;
    } else {
      return false;
    }
    if (length > s.size() - i) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < second_min || b > second_max) : (b & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view latin1) {
  std::string utf8;
  utf8.reserve(latin1.size() * 2);
  for (char ch : latin1) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      utf8.push_back(ch);
    } else {
      utf8.push_back(static_cast<char>(0xC0 | (c >> 6)));
      utf8.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return utf8;
}

// Reads terms with an explicit stack of the compounds still being filled, so that nesting costs
// heap (bounded by max_nesting_depth), never C++ stack.
class decoder {
 public:
  decoder(std::string_view bytes, std::size_t offset) : bytes_(bytes), pos_(offset) {}

  std::size_t position() const { return pos_; }

  term decode() {
    term value;
    for (;;) {
      if (!stack_.empty()) --promised_;  // the child starting here now accounts for its own bytes
      if (!read_term_or_open(value)) continue;
      for (;;) {  // hand the finished value to the compound that waits for it
        if (stack_.empty()) return value;
        frame& top = stack_.back();
        top.items.push_back(std::move(value));
        if (top.items.size() < top.children) break;
        value = close(top);
        stack_.pop_back();
      }
    }
  }

 private:
  // A compound being decoded. A list's last child is its tail; a map's children are key, value, ...
  struct frame {
    std::uint8_t tag;
    std::size_t at;
    std::uint64_t children;
    std::vector<term> items;
    fun_parts fun = {};          // NEW_FUN_EXT: its header; `items` are its free variables
    std::uint32_t fun_size = 0;  // NEW_FUN_EXT: its Size field, checked at its end
  };

  [[noreturn]] static void fail(std::size_t at, const std::string& problem, const std::string& detail) {
    throw decode_error(at, problem, detail);
  }

  std::size_t remaining() const { return bytes_.size() - pos_; }

  // Header fields of the term of tag `t` at `at`.
  void need(std::size_t count, std::uint8_t t, std::size_t at) const {
    if (count > remaining())
      fail(at, "truncated " + tag_name(t),
           std::to_string(count) + " more bytes needed but " + std::to_string(remaining()) + " remain");
  }
  // The body of `length` bytes that a length field announced.
  void need_length(std::uint64_t length, std::uint8_t t, std::size_t at) const {
    if (length > remaining())
      fail(at, "truncated " + tag_name(t),
           "length " + std::to_string(length) + " but " + std::to_string(remaining()) + " bytes remain");
  }

  std::uint8_t u8() { return static_cast<std::uint8_t>(bytes_[pos_++]); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(big_endian(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(big_endian(4)); }
  std::uint64_t u64() { return big_endian(8); }
  std::uint64_t big_endian(std::size_t count) {
    const std::uint64_t v = detail::get_big_endian(bytes_, pos_, count);
    pos_ += count;
    return v;
  }
  std::string_view take(std::size_t count) {
    const std::string_view view = bytes_.substr(pos_, count);
    pos_ += count;
    return view;
  }

  // Reads a scalar or empty compound into `value` and returns true, or opens a compound and
  // returns false.
  bool read_term_or_open(term& value) {
    const std::size_t at = pos_;
    if (remaining() == 0) fail(at, "truncated input", "a term should start here");
    const std::uint8_t t = u8();
    switch (t) {
      case small_integer_ext:
        need(1, t, at);
        value = term(std::int64_t{u8()});
        return true;
      case integer_ext:
        need(4, t, at);
        value = term(std::int64_t{static_cast<std::int32_t>(u32())});
        return true;
      case small_big_ext: {
        need(2, t, at);
        const std::uint8_t digits = u8();
        value = read_big(t, at, digits);
        return true;
      }
      case large_big_ext: {
        need(5, t, at);
        const std::uint32_t digits = u32();
        value = read_big(t, at, digits);
        return true;
      }
      case new_float_ext: {
        need(8, t, at);
        const double v = std::bit_cast<double>(u64());
        if (!std::isfinite(v)) fail(at, tag_name(t), "the float is not finite");
        value = term(v);
        return true;
      }
      case atom_ext:
      case small_atom_ext:
      case atom_utf8_ext:
      case small_atom_utf8_ext: value = term(read_atom(t, at)); return true;
      case new_pid_ext:
      case pid_ext: value = read_pid(t, at); return true;
      case newer_reference_ext:
      case new_reference_ext: value = read_reference(t, at); return true;
      case nil_ext: value = term(); return true;
      case string_ext: {
        need(2, t, at);
        const std::uint16_t length = u16();
        need_length(length, t, at);
        value = charlist(take(length));
        return true;
      }
      case binary_ext: {
        need(4, t, at);
        const std::uint32_t length = u32();
        need_length(length, t, at);
        value = term::make_binary(take(length));
        return true;
      }
      case bit_binary_ext: {
        need(5, t, at);
        const std::uint32_t length = u32();
        const std::uint8_t bits = u8();
        if (length == 0 || bits == 0 || bits > 8)
          fail(at, "bad " + tag_name(t),
               std::to_string(bits) + " bits in the last of " + std::to_string(length) + " bytes");
        need_length(length, t, at);
        value = term::make_bitstring(take(length), (std::uint64_t{length} - 1) * 8 + bits);
        return true;
      }
      case small_tuple_ext: {
        need(1, t, at);
        const std::uint8_t arity = u8();
        return open_or_empty(t, at, arity, arity, value);
      }
      case large_tuple_ext: {
        need(4, t, at);
        const std::uint32_t arity = u32();
        return open_or_empty(t, at, arity, arity, value);
      }
      case map_ext: {
        need(4, t, at);
        const std::uint32_t arity = u32();
        return open_or_empty(t, at, arity, 2 * std::uint64_t{arity}, value);
      }
      case list_ext: {
        need(4, t, at);
        const std::uint32_t length = u32();
        if (!stack_.empty() && is_awaiting_tail(stack_.back())) {  // [a | [b | T]]: go on in the same frame
          reserve_children(t, at, std::uint64_t{length} + 1);
          stack_.back().children += length;
          return false;
        }
        return open_or_empty(t, at, length, std::uint64_t{length} + 1, value);
      }
      case new_fun_ext: return open_fun(at, value);
      case export_ext: {
        const atom module = read_atom_field(t, at, "module");
        const atom function = read_atom_field(t, at, "function");
        const std::int64_t arity = read_integer_field(t, at, "arity");
        if (arity < 0 || arity > 255) fail(at, "bad " + tag_name(t), "arity " + std::to_string(arity));
        value = term::make_export({module, function, static_cast<std::uint8_t>(arity)});
        return true;
      }
      case fun_ext: fail(at, tag_name(t), "this obsolete encoding of funs is not supported");
      case new_port_ext:
      case v4_port_ext:
      case port_ext: value = read_port(t, at); return true;
      case atom_cache_ref: fail(at, tag_name(t), "atom cache references need a distribution header");
      case compressed_ext: fail(at, tag_name(t), "compressed terms are not supported");
      case reference_ext:
      case float_ext: fail(at, tag_name(t), "this obsolete encoding is not supported");
      default: fail(at, "unknown tag " + std::to_string(t), "not a term of the external format");
    }
  }

  static bool is_awaiting_tail(const frame& f) { return f.tag == list_ext && f.items.size() + 1 == f.children; }

  // Every child takes at least one byte: refuse counts that the remaining input cannot hold, after
  // the bytes already promised to the unread children of the enclosing compounds.
  void reserve_children(std::uint8_t t, std::size_t at, std::uint64_t children) {
    const std::size_t available = remaining() > promised_ ? remaining() - promised_ : 0;
    if (children > available)
      fail(at, "truncated " + tag_name(t),
           std::to_string(children) + " nested terms need at least as many bytes but " + std::to_string(available) +
               " remain for them");
    promised_ += children;
  }

  bool open_or_empty(std::uint8_t t, std::size_t at, std::uint32_t count, std::uint64_t children, term& value) {
    if (count == 0 && t != list_ext) {
      value = t == map_ext ? term::make_map({}) : term::make_tuple({});
      return true;
    }
    open(t, at, children);
    return false;
  }

  frame& open(std::uint8_t t, std::size_t at, std::uint64_t children) {
    if (stack_.size() >= max_nesting_depth)
      fail(at, "too deep " + tag_name(t), "nesting deeper than " + std::to_string(max_nesting_depth) + " levels");
    reserve_children(t, at, children);
    frame f{t, at, children, {}};
    f.items.reserve(children);
    return stack_.emplace_back(std::move(f));
  }

  // NEW_FUN_EXT: Size, Arity, Uniq, Index, NumFree, Module, OldIndex, OldUniq, Pid, free variables.
  bool open_fun(std::size_t at, term& value) {
    constexpr std::uint8_t t = new_fun_ext;
    need(4 + 1 + 16 + 4 + 4, t, at);
    const std::uint32_t size = u32();
    fun_parts fun;
    fun.arity = u8();
    for (auto& byte : fun.uniq) byte = u8();
    fun.index = u32();
    const std::uint32_t free_count = u32();
    fun.module = read_atom_field(t, at, "module");
    fun.old_index = read_integer_field(t, at, "old index");
    fun.old_uniq = read_integer_field(t, at, "old uniq");
    const std::size_t pid_at = pos_;
    need(1, t, at);
    const std::uint8_t pid_tag = u8();
    if (pid_tag != new_pid_ext && pid_tag != pid_ext)
      fail(pid_at, "bad pid in " + tag_name(t), "expected a pid, found " + tag_name(pid_tag));
    fun.pid = read_pid(pid_tag, pid_at).as_pid();
    if (free_count == 0) {
      check_fun_size(at, size);
      value = term::make_fun(std::move(fun));
      return true;
    }
    frame& f = open(t, at, free_count);
    f.fun = std::move(fun);
    f.fun_size = size;
    return false;
  }

  // A fun's Size counts its bytes from the Size field (after the tag) to its end.
  void check_fun_size(std::size_t at, std::uint32_t size) const {
    if (pos_ - (at + 1) != size)
      fail(at, "bad " + tag_name(new_fun_ext),
           "its Size field says " + std::to_string(size) + " bytes but it has " + std::to_string(pos_ - (at + 1)));
  }

  term close(frame& f) const {
    switch (f.tag) {
      case new_fun_ext:
        check_fun_size(f.at, f.fun_size);
        f.fun.free_variables = std::move(f.items);
        return term::make_fun(std::move(f.fun));
      case list_ext: {
        term tail = std::move(f.items.back());
        f.items.pop_back();
        return term::make_list(std::move(f.items), std::move(tail));
      }
      case map_ext: {
        std::vector<std::pair<term, term>> pairs;
        pairs.reserve(f.items.size() / 2);
        for (std::size_t i = 0; i < f.items.size(); i += 2)
          pairs.emplace_back(std::move(f.items[i]), std::move(f.items[i + 1]));
        term m = term::make_map(std::move(pairs));
        if (m.size() * 2 != f.items.size()) fail(f.at, "bad " + tag_name(f.tag), "duplicate keys");
        return m;
      }
      default: return term::make_tuple(std::move(f.items));
    }
  }

  term read_big(std::uint8_t t, std::size_t at, std::uint32_t digits) {
    need(1, t, at);
    const bool negative = u8() != 0;  // as binary_to_term: any sign byte but 0 is negative
    if (digits > max_big_integer_bits / 8)
      fail(at, "too large " + tag_name(t),
           "an integer of " + std::to_string(digits) + " bytes, beyond the limit of " +
               std::to_string(max_big_integer_bits) + " bits");
    need_length(digits, t, at);
    return term::make_integer(negative, take(digits));
  }

  // An integer field inside a fun or export fun: SMALL_INTEGER_EXT, INTEGER_EXT or a small bignum.
  std::int64_t read_integer_field(std::uint8_t owner, std::size_t owner_at, const char* field) {
    const std::size_t at = pos_;
    need(1, owner, owner_at);
    const std::uint8_t t = u8();
    term value;
    if (t == small_integer_ext) {
      need(1, t, at);
      value = term(std::int64_t{u8()});
    } else if (t == integer_ext) {
      need(4, t, at);
      value = term(std::int64_t{static_cast<std::int32_t>(u32())});
    } else if (t == small_big_ext) {
      need(2, t, at);
      const std::uint8_t digits = u8();
      value = read_big(t, at, digits);
    }
    if (!value.is_integer())
      fail(at, "bad " + std::string(field) + " in " + tag_name(owner),
           "expected a 64-bit integer, found " + tag_name(t));
    return value.as_int();
  }

  atom read_atom_field(std::uint8_t owner, std::size_t owner_at, const char* field) {
    const std::size_t at = pos_;
    need(1, owner, owner_at);
    const std::uint8_t t = u8();
    if (t != atom_ext && t != small_atom_ext && t != atom_utf8_ext && t != small_atom_utf8_ext)
      fail(at, "bad " + std::string(field) + " in " + tag_name(owner), "expected an atom, found " + tag_name(t));
    return read_atom(t, at);
  }

  term read_port(std::uint8_t t, std::size_t at) {
    const atom node = read_node(t, at);
    const std::size_t id_bytes = t == v4_port_ext ? 8 : 4;
    need(id_bytes + (t == port_ext ? 1 : 4), t, at);
    const std::uint64_t id = t == v4_port_ext ? u64() : u32();
    const std::uint32_t creation = t == port_ext ? u8() : u32();
    return term::make_port({node_table::intern({node, creation}), id});
  }

  static atom make_atom(std::string_view text, std::uint8_t t, std::size_t at) {
    try {
      return atom(text);
    } catch (const bad_atom& e) {
      fail(at, "bad " + tag_name(t), e.what());
    }
  }

  atom read_atom(std::uint8_t t, std::size_t at) {
    const bool small = t == small_atom_ext || t == small_atom_utf8_ext;
    need(small ? 1 : 2, t, at);
    const std::size_t length = small ? u8() : u16();
    need_length(length, t, at);
    const std::string_view text = take(length);
    if (t == atom_utf8_ext || t == small_atom_utf8_ext) {
      if (!is_valid_utf8(text)) fail(at, "bad " + tag_name(t), "the atom text is not valid UTF-8");
      return make_atom(text, t, at);
    }
    if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
      return make_atom(text, t, at);
    return make_atom(latin1_to_utf8(text), t, at);
  }

  // The node atom inside a pid or reference of tag `owner` at `owner_at`.
  atom read_node(std::uint8_t owner, std::size_t owner_at) { return read_atom_field(owner, owner_at, "node"); }

  term read_pid(std::uint8_t t, std::size_t at) {
    const atom node = read_node(t, at);
    need(t == new_pid_ext ? 12 : 9, t, at);
    const std::uint32_t id = u32();
    const std::uint32_t serial = u32();
    const std::uint32_t creation = t == new_pid_ext ? u32() : u8();
    return term::make_pid({node_table::intern({node, creation}), id, serial});
  }

  term read_reference(std::uint8_t t, std::size_t at) {
    need(2, t, at);
    const std::uint16_t count = u16();
    if (count == 0 || count > max_reference_ids)
      fail(at, "bad " + tag_name(t), std::to_string(count) + " id words, expected 1 to 5");
    const atom node = read_node(t, at);
    need((t == newer_reference_ext ? 4 : 1) + 4 * std::size_t{count}, t, at);
    const std::uint32_t creation = t == newer_reference_ext ? u32() : u8();
    std::array<std::uint32_t, max_reference_ids> ids{};
    for (std::size_t i = 0; i < count; ++i) ids[i] = u32();
    return term::make_reference(node_table::intern({node, creation}), std::span(ids.data(), count));
  }

  static constexpr std::size_t max_reference_ids = 5;

  std::string_view bytes_;
  std::size_t pos_;
  std::vector<frame> stack_;
  std::uint64_t promised_ = 0;  // bytes owed to the children not yet started, one at least each
};

}  // namespace

decode_error::decode_error(std::size_t at, const std::string& problem, const std::string& detail)
    : std::runtime_error("ETF: " + problem + " at byte " + std::to_string(at) + (detail.empty() ? "" : ": " + detail)),
      offset(at) {}

std::string encode(const term& t, encode_options options) {
  std::string out;
  if (options.version_byte) put_u8(out, version_magic);
  encoder(out, options.atoms).encode(t);
  return out;
}

void encode_append(std::string& out, const term& t, encode_options options) { encoder(out, options.atoms).encode(t); }

term decode(std::string_view bytes) {
  if (bytes.empty()) throw decode_error(0, "missing version byte", "the input is empty");
  if (static_cast<unsigned char>(bytes[0]) != version_magic)
    throw decode_error(0, "bad version byte",
                       "expected 131, found " + std::to_string(static_cast<unsigned char>(bytes[0])));
  std::size_t offset = 1;
  term t = decode_one(bytes, offset);
  if (offset != bytes.size())
    throw decode_error(offset, "trailing bytes",
                       "the term ends here but the input has " + std::to_string(bytes.size()) + " bytes");
  return t;
}

term decode_one(std::string_view bytes, std::size_t& offset) {
  if (offset > bytes.size())
    throw decode_error(offset, "bad offset", "the input has only " + std::to_string(bytes.size()) + " bytes");
  decoder d(bytes, offset);
  term t = d.decode();
  offset = d.position();
  return t;
}

}  // namespace otp::etf
