#include "otp/term_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <vector>

#include "otp/big_integer.hpp"

namespace otp {
namespace {

// --- characters ---------------------------------------------------------------------------------

// Decodes the well-formed UTF-8 code point at text[i] and advances i past it; nullopt (i unchanged)
// when the bytes there are malformed, overlong, a surrogate or above U+10FFFF.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 0;
  if (length == 0 || i + length > text.size()) return std::nullopt;
  char32_t code = length == 1 ? lead : lead & (0x7Fu >> length);
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next >> 6) != 0x2) return std::nullopt;
    code = (code << 6) | (next & 0x3Fu);
  }
  static constexpr std::array<char32_t, 5> smallest_for_length = {0, 0, 0x80, 0x800, 0x10000};
  if (code < smallest_for_length[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return std::nullopt;
  i += length;
  return code;
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_ascii_alphanumeric(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_latin1_letter(char32_t c) { return c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7; }
// Erlang's scanner: an atom starts with a lowercase letter, a variable with an uppercase one or '_'.
bool starts_atom(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 0xDF && is_latin1_letter(c)); }
bool starts_variable(char32_t c) { return (c >= 'A' && c <= 'Z') || c == '_' || (c < 0xDF && is_latin1_letter(c)); }
bool is_name_char(char32_t c) { return starts_atom(c) || starts_variable(c) || is_digit(c) || c == '@'; }

bool is_reserved_word(std::string_view word) {
  static constexpr std::array<std::string_view, 29> reserved = {
      "after", "and",   "andalso", "band",   "begin",   "bnot", "bor", "bsl",  "bsr", "bxor",
      "case",  "catch", "cond",    "div",    "else",    "end",  "fun", "if",   "let", "maybe",
      "not",   "of",    "or",      "orelse", "receive", "rem",  "try", "when", "xor"};
  return std::find(reserved.begin(), reserved.end(), word) != reserved.end();
}

// The escape letter Erlang writes for a control character, or 0.
char escape_letter(char32_t c) {
  switch (c) {
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    case '\v': return 'v';
    case '\b': return 'b';
    case '\f': return 'f';
    case 0x1B: return 'e';
    case 0x7F: return 'd';
    default: return 0;
  }
}

// --- printing -----------------------------------------------------------------------------------

// One character inside '...' or "...", as io_lib writes it.
void append_quoted_char(std::string& out, char32_t c, char quote) {
  if (c == static_cast<char32_t>(quote) || c == '\\') {
    out += '\\';
    out += static_cast<char>(c);
  } else if ((c >= ' ' && c <= '~') || c >= 0xA0) {
    append_utf8(out, c);
  } else if (const char letter = escape_letter(c); letter != 0) {
    out += '\\';
    out += letter;
  } else {
    out += '\\';
    out += static_cast<char>('0' + ((c >> 6) & 7));
    out += static_cast<char>('0' + ((c >> 3) & 7));
    out += static_cast<char>('0' + (c & 7));
  }
}

// Text between quotes, as io_lib writes it. `text` is UTF-8; a byte that is not prints as if Latin-1.
void append_quoted(std::string& out, std::string_view text, char quote) {
  out += quote;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = decode_utf8(text, i);
    append_quoted_char(out, c ? *c : static_cast<unsigned char>(text[i++]), quote);
  }
  out += quote;
}

bool atom_needs_quotes(std::string_view text) {
  if (text.empty() || is_reserved_word(text)) return true;
  for (std::size_t i = 0; i < text.size();) {
    const bool first = i == 0;
    const auto c = decode_utf8(text, i);
    if (!c || (first ? !starts_atom(*c) : !is_name_char(*c))) return true;
  }
  return false;
}

void print_atom(std::string& out, std::string_view text) {
  if (atom_needs_quotes(text))
    append_quoted(out, text, '\'');
  else
    out += text;
}

template <class Integer>
void print_integer(std::string& out, Integer value) {
  std::array<char, 24> buffer;
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  out.append(buffer.data(), end);
}

// The shortest digits that read back as `value`, laid out as Erlang's io_lib_format:fwrite_g does:
// with value = 0.DIGITS * 10^place, plain notation unless exponent notation is shorter, and never
// plain for whole numbers from 2^53 up (where not every integer is a double).
void print_float(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += std::isnan(value) ? "nan" : value < 0 ? "-inf" : "inf";
    return;
  }
  if (std::signbit(value)) out += '-';
  if (value == 0) {
    out += "0.0";
    return;
  }
  std::array<char, 32> buffer;
  const auto end =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), std::fabs(value), std::chars_format::scientific).ptr;
  const std::string_view scientific(buffer.data(), static_cast<std::size_t>(end - buffer.data()));  // d[.ddd]e±XX
  const std::size_t e = scientific.find('e');
  std::string digits;
  for (char c : scientific.substr(0, e))
    if (c != '.') digits += c;
  int exponent = 0;
  std::from_chars(scientific.data() + e + 2, end, exponent);
  if (scientific[e + 1] == '-') exponent = -exponent;

  const int place = exponent + 1;
  const int length = static_cast<int>(digits.size());
  if (place > 0 && place < length) {
    out.append(digits, 0, static_cast<std::size_t>(place)).append(".").append(digits, static_cast<std::size_t>(place));
    return;
  }
  if (place == 0) {
    out.append("0.").append(digits);
    return;
  }
  const std::string exponent_text = std::to_string(place - 1);
  const int exponent_cost = static_cast<int>(exponent_text.size()) + 1 + (length == 1 ? 2 : 1);
  if (place < 0 && 2 - place <= exponent_cost) {
    out.append("0.").append(static_cast<std::size_t>(-place), '0').append(digits);
  } else if (place >= length && place - length + 2 <= exponent_cost && std::fabs(value) < 0x1p53) {
    out.append(digits).append(static_cast<std::size_t>(place - length), '0').append(".0");
  } else {
    out.append(1, digits[0]).append(".").append(length == 1 ? "0" : std::string_view(digits).substr(1));
    out.append("e").append(exponent_text);
  }
}

// The bytes a binary may hold to print as <<"text">>: as io_lib:printable_latin1_list, less 160..255.
bool is_printable_ascii(char32_t c) { return (c >= ' ' && c <= '~') || (c != 0x7F && escape_letter(c) != 0); }

void print_binary(std::string& out, std::string_view bytes) {
  const bool ascii =
      std::all_of(bytes.begin(), bytes.end(), [](char b) { return is_printable_ascii(static_cast<unsigned char>(b)); });
  bool utf8 = !ascii;
  for (std::size_t i = 0; utf8 && i < bytes.size();) {
    const auto c = decode_utf8(bytes, i);
    utf8 = c && (*c >= 0xA0 || is_printable_ascii(*c));
  }
  out += "<<";
  if (!bytes.empty() && (ascii || utf8)) {
    append_quoted(out, bytes, '"');
    if (!ascii) out += "/utf8";
  } else {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i > 0) out += ',';
      print_integer(out, static_cast<unsigned char>(bytes[i]));
    }
  }
  out += ">>";
}

// Compounds are printed from an explicit stack of the compounds being written, each with how far
// it got: a deeply nested term (an ETF term may nest a thousand levels) costs heap, never the stack
// of the fiber printing it, and the stack grows with the depth of the term, not with its size.
struct open_compound {
  const term* value;
  std::size_t next;   // the next item to write: an element, or for a map a key (even) or value (odd)
  std::size_t items;  // how many items it has (tail excluded)
};

// <<1,2,3:5>>: the whole bytes, then the value of the last bits and their count.
void print_bitstring(std::string& out, const term& t) {
  const std::string_view bytes = t.bitstring_bytes();
  const auto bits = static_cast<unsigned>(t.bit_size() % 8);
  out += "<<";
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    print_integer(out, static_cast<unsigned char>(bytes[i]));
    out += ',';
  }
  print_integer(out, static_cast<unsigned char>(bytes.back()) >> (8 - bits));
  out += ':';
  print_integer(out, bits);
  out += ">>";
}

// `budget` is how many characters the printer may still keep: a huge integer costs only those.
void print_scalar(std::string& out, const term& t, std::size_t budget) {
  switch (t.kind()) {
    case term_kind::integer: print_integer(out, t.as_int()); break;
    case term_kind::big_integer: out += integer_to_decimal(t, budget); break;
    case term_kind::bitstring: print_bitstring(out, t); break;
    case term_kind::port: {
      const port_parts port = t.as_port();
      out += "#Port<";
      print_integer(out, port.node);
      out += '.';
      print_integer(out, port.id);
      out += '>';
      break;
    }
    case term_kind::export_fun: {
      const export_parts fun = t.as_export();
      out += "fun ";
      print_atom(out, fun.module.text());
      out += ':';
      print_atom(out, fun.function.text());
      out += '/';
      print_integer(out, fun.arity);
      break;
    }
    case term_kind::fun: {  // as OTP 25: module, index and old uniq
      const fun_parts fun = t.as_fun();
      out += "#Fun<";
      out += fun.module.text();
      out += '.';
      print_integer(out, fun.index);
      out += '.';
      print_integer(out, fun.old_uniq);
      out += '>';
      break;
    }
    case term_kind::floating: print_float(out, t.as_float()); break;
    case term_kind::atom: print_atom(out, t.as_atom().text()); break;
    case term_kind::pid: {
      const pid_parts pid = t.as_pid();
      out += '<';
      print_integer(out, pid.node);
      out += '.';
      print_integer(out, pid.id);
      out += '.';
      print_integer(out, pid.serial);
      out += '>';
      break;
    }
    case term_kind::reference: {
      out += "#Ref<";
      print_integer(out, t.reference_node());
      const auto ids = t.reference_ids();
      for (std::size_t i = ids.size(); i-- > 0;) {
        out += '.';
        print_integer(out, ids[i]);
      }
      out += '>';
      break;
    }
    case term_kind::binary: print_binary(out, t.as_binary()); break;
    default: break;
  }
}

bool is_compound(const term& t) {
  const term_kind k = t.kind();
  return k == term_kind::tuple || k == term_kind::nil || k == term_kind::list || k == term_kind::map;
}

const char* opening(const term& t) { return t.is_tuple() ? "{" : t.is_map() ? "#{" : "["; }
const char* closing(const term& t) { return t.is_tuple() || t.is_map() ? "}" : "]"; }

std::size_t item_count(const term& t) { return t.is_map() ? 2 * t.map_pairs().size() : t.elements().size(); }

const term& item_at(const term& t, std::size_t i) {
  if (t.is_map()) {
    const auto& pair = t.map_pairs()[i / 2];
    return i % 2 == 0 ? pair.first : pair.second;
  }
  return t.elements()[i];
}

// Writes `value` at nesting `depth` (the root is 1): a compound nested deeper than the limit is
// written as "...", as io_lib's ~P does.
void print_value(std::string& out, std::vector<open_compound>& open, const term& value, const print_limits& limits) {
  if (!is_compound(value)) {
    const std::size_t budget = limits.chars > out.size() ? limits.chars - out.size() + 1 : 1;
    return print_scalar(out, value, limits.chars == print_limits{}.chars ? limits.chars : budget);
  }
  if (open.size() + 1 > limits.depth) {
    out += "...";
    return;
  }
  out += opening(value);
  open.push_back({&value, 0, item_count(value)});
}

// Cuts `out` to at most `chars` bytes, never inside a UTF-8 sequence, and marks the cut.
void cut(std::string& out, std::size_t chars) {
  std::size_t at = chars;
  while (at > 0 && (static_cast<unsigned char>(out[at]) & 0xC0) == 0x80) --at;
  out.resize(at);
  out += "...";
}

void print(std::string& out, const term& root, const print_limits& limits) {
  std::vector<open_compound> open;
  print_value(out, open, root, limits);
  while (!open.empty()) {
    if (out.size() >= limits.chars) return cut(out, limits.chars);
    open_compound& top = open.back();
    const term& t = *top.value;
    if (top.next < top.items) {
      const std::size_t i = top.next++;
      if (i > 0) out += t.is_map() && i % 2 == 1 ? " => " : ",";
      print_value(out, open, item_at(t, i), limits);  // may reallocate `open`: `top` is not used after
    } else if (top.next == top.items && t.kind() == term_kind::list && !t.list_tail().is_nil()) {
      ++top.next;
      out += '|';
      print_value(out, open, t.list_tail(), limits);
    } else {
      out += closing(t);
      open.pop_back();
    }
  }
  if (out.size() > limits.chars) cut(out, limits.chars);
}

}  // namespace

namespace {

// --- parsing ------------------------------------------------------------------------------------

class parser {
 public:
  explicit parser(std::string_view text) : text_(text) {}

  term parse_document() {
    skip_blanks();
    term result = parse_value();
    skip_blanks();
    if (consume('.')) skip_blanks();
    if (!at_end()) fail("expected end of input after the term, got " + describe_next());
    return result;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  bool looking_at(std::string_view s) const { return text_.substr(pos_).starts_with(s); }
  bool consume(std::string_view s) {
    if (!looking_at(s)) return false;
    pos_ += s.size();
    return true;
  }
  bool consume(char c) { return consume(std::string_view(&c, 1)); }
  void expect(char c, std::string_view context) {
    if (!consume(c)) fail(std::string("expected '") + c + "' " + std::string(context) + ", got " + describe_next());
  }

  // The code point at pos_ without consuming it; U+FFFD for malformed bytes or the end.
  char32_t peek_char() const {
    std::size_t i = pos_;
    return at_end() ? 0xFFFD : decode_utf8(text_, i).value_or(0xFFFD);
  }
  char32_t take_char() {
    if (at_end()) fail("unexpected end of input");
    const auto c = decode_utf8(text_, pos_);
    if (!c) fail("invalid UTF-8");
    return *c;
  }
  std::string_view take_while(bool (*accept)(char32_t)) {
    const std::size_t start = pos_;
    while (!at_end() && accept(peek_char())) take_char();
    return text_.substr(start, pos_ - start);
  }

  void skip_blanks() {
    while (!at_end()) {
      const char c = text_[pos_];
      if (c == '%') {
        while (!at_end() && text_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
      } else {
        return;
      }
    }
  }

  // "'x'", "'word'", "a newline" or "end of input": what the parser found where it stopped.
  std::string describe_next() const {
    if (at_end()) return "end of input";
    if (text_[pos_] == '\n') return "a newline";
    std::size_t end = pos_;
    const auto is_word_byte = [](char c) {
      return c == '_' || c == '@' || is_ascii_alphanumeric(static_cast<unsigned char>(c));
    };
    if (is_word_byte(text_[end])) {
      while (end < text_.size() && end - pos_ < 20 && is_word_byte(text_[end])) ++end;
    } else if (!decode_utf8(text_, end)) {
      return "a byte that is not UTF-8";
    }
    std::string quoted(1, '\'');  // built by appending: GCC 12 -O3 misreports '+' here (-Wrestrict)
    quoted.append(text_.substr(pos_, end - pos_));
    quoted.push_back('\'');
    return quoted;
  }

  [[noreturn]] void fail(const std::string& message) const { fail_at(pos_, message); }
  [[noreturn]] void fail_at(std::size_t at, const std::string& message) const {
    const std::string_view before = text_.substr(0, at);
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    const std::size_t column = 1 + static_cast<std::size_t>(std::count_if(
                                       before.begin() + static_cast<std::ptrdiff_t>(line_start), before.end(),
                                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    throw term_parse_error(line, column, message);
  }

  // A tuple, list or map being read: its items so far, and what comes next in it.
  struct open_compound_text {
    char closing;       // '}' for tuples and maps, ']' for lists
    bool map = false;   // items alternate key, value
    bool tail = false;  // a list after its '|': the next value is its tail
    std::vector<term> items;
  };

  // One term, nested compounds read with an explicit stack (max_term_depth deep, as the ETF
  // decoder allows) rather than recursion, so a deep term costs heap, never a fiber's stack.
  term parse_value() {
    std::vector<open_compound_text> open;
    for (;;) {
      skip_blanks();
      term value;
      if (!open_or_read(open, value)) continue;
      for (;;) {  // hand `value` to the compound waiting for it, closing those it completes
        if (open.empty()) return value;
        open_compound_text& top = open.back();
        top.items.push_back(std::move(value));
        skip_blanks();
        if (top.map && top.items.size() % 2 == 1) {
          if (!consume("=>")) fail("expected '=>' after a map key, got " + describe_next());
          break;
        }
        if (top.tail) {
          expect(']', "after the tail of a list");
          term tail = std::move(top.items.back());
          top.items.pop_back();
          value = term::make_list(std::move(top.items), std::move(tail));
        } else if (consume(top.closing)) {
          value = close(top);
        } else if (top.closing == ']' && consume('|')) {
          top.tail = true;
          break;
        } else if (consume(',')) {
          break;
        } else {
          fail(std::string(top.closing == ']' ? "expected ',', '|' or ']' in list"
                           : top.map          ? "expected ',' or '}' in map"
                                              : "expected ',' or '}' in tuple") +
               ", got " + describe_next());
        }
        open.pop_back();
      }
    }
  }

  static term close(open_compound_text& c) {
    if (c.closing == ']') return term::make_list(std::move(c.items));
    if (!c.map) return term::make_tuple(std::move(c.items));
    std::vector<std::pair<term, term>> pairs;
    for (std::size_t i = 0; i < c.items.size(); i += 2)
      pairs.emplace_back(std::move(c.items[i]), std::move(c.items[i + 1]));
    return term::make_map(std::move(pairs));
  }

  // Reads a scalar or an empty compound into `value` and returns true, or opens a compound.
  bool open_or_read(std::vector<open_compound_text>& open, term& value) {
    if (at_end()) fail("expected a term, got end of input");
    const char c = text_[pos_];
    const bool map = looking_at("#{");
    if (c == '{' || c == '[' || map) {
      if (open.size() >= max_term_depth)
        fail("terms nested deeper than " + std::to_string(max_term_depth) + " levels are not supported");
      pos_ += map ? 2 : 1;
      const char closing = c == '[' ? ']' : '}';
      skip_blanks();
      if (consume(closing)) {
        value = c == '[' ? nil() : map ? term::make_map({}) : term::make_tuple({});
        return true;
      }
      open.push_back({closing, map, false, {}});
      return false;
    }
    value = parse_scalar();
    return true;
  }

  term parse_scalar() {
    const char c = text_[pos_];
    if (looking_at("#Ref<")) return parse_reference();
    if (looking_at("#Fun<") || looking_at("#Port<"))
      fail(std::string(looking_at("#Fun<") ? "a fun" : "a port") +
           " has no text form to read back; only a term received from Erlang holds one");
    if (looking_at("<<")) return parse_binary();
    if (c == '<') return parse_pid();
    if (c == '"') return parse_string();
    if (c == '\'') return parse_quoted_atom();
    if (c == '$' || c == '-' || is_digit(static_cast<unsigned char>(c))) return parse_number();
    if (looking_at("fun") && (pos_ + 3 == text_.size() || !is_name_char(static_cast<unsigned char>(text_[pos_ + 3]))))
      fail("a fun has no text form to read back; only a term received from Erlang holds one");
    if (starts_atom(peek_char())) return parse_bare_atom();
    if (starts_variable(peek_char())) {
      const std::size_t start = pos_;
      const std::string name(take_while(is_name_char));
      fail_at(start, "unexpected variable " + name + "; a term has no variables (write '" + name + "' for an atom)");
    }
    fail("expected a term, got " + describe_next());
  }

  std::uint32_t parse_uint32(std::string_view what) {
    const std::size_t start = pos_;
    const std::string_view digits = take_while(is_digit);
    std::uint32_t value = 0;
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty()) fail("expected the " + std::string(what) + ", got " + describe_next());
    if (result.ec != std::errc())
      fail_at(start, "the " + std::string(what) + " " + std::string(digits) + " does not fit in 32 bits");
    return value;
  }

  term parse_pid() {
    ++pos_;
    pid_parts pid;
    pid.node = parse_uint32("node number of a pid");
    expect('.', "in pid");
    pid.id = parse_uint32("id of a pid");
    expect('.', "in pid");
    pid.serial = parse_uint32("serial of a pid");
    expect('>', "at the end of a pid");
    return term::make_pid(pid);
  }

  term parse_reference() {
    const std::size_t start = pos_;
    pos_ += 5;
    const std::uint32_t node = parse_uint32("node number of a reference");
    std::vector<std::uint32_t> ids;
    while (consume('.')) ids.push_back(parse_uint32("id word of a reference"));
    expect('>', "at the end of a reference");
    if (ids.empty() || ids.size() > 5)
      fail_at(start, "a reference has 1 to 5 id words, not " + std::to_string(ids.size()));
    std::reverse(ids.begin(), ids.end());  // printed most significant word first
    return term::make_reference(node, ids);
  }

  // Integers: 12, -12, 16#FF, $a; floats: 1.5, -2.0e-3.
  term parse_number() {
    const std::size_t start = pos_;
    const bool negative = consume('-');
    if (consume('$')) return term(negative ? -static_cast<std::int64_t>(parse_char_literal()) : parse_char_literal());
    if (!is_digit(peek_char())) fail("expected a digit after '-', got " + describe_next());
    const std::string_view leading = take_while(is_digit);
    if (consume('#')) {
      std::uint64_t base = 0;
      std::from_chars(leading.data(), leading.data() + leading.size(), base);
      if (base < 2 || base > 36) fail_at(start, "the base of an integer must be 2..36, not " + std::string(leading));
      const std::size_t digits_start = pos_;
      const std::string_view digits = take_while(is_ascii_alphanumeric);
      if (digits.empty()) fail("expected a base " + std::string(leading) + " digit, got " + describe_next());
      return make_integer(start, negative, digits, static_cast<unsigned>(base), digits_start);
    }
    if (peek_char() == '.' && pos_ + 1 < text_.size() && is_digit(static_cast<unsigned char>(text_[pos_ + 1]))) {
      ++pos_;
      take_while(is_digit);
      const std::size_t exponent_start = pos_;
      if (consume('e') || consume('E')) {
        if (!consume('+')) consume('-');
        if (take_while(is_digit).empty()) pos_ = exponent_start;  // "1.0e" is 1.0 followed by the atom e
      }
      double value = 0;
      const auto result = std::from_chars(text_.data() + start, text_.data() + pos_, value);
      if (result.ec != std::errc())
        fail_at(start, "the float " + std::string(text_.substr(start, pos_ - start)) + " is out of range of a double");
      return term(value);
    }
    return make_integer(start, negative, leading, 10, start + (negative ? 1 : 0));
  }

  term make_integer(std::size_t start, bool negative, std::string_view digits, unsigned base,
                    std::size_t digits_start) {
    const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : std::numeric_limits<std::int64_t>::max();
    std::uint64_t magnitude = 0;
    bool fits = true;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      const unsigned digit = digit_value(digits[i]);
      if (digit >= base)
        fail_at(digits_start + i,
                "'" + std::string(1, digits[i]) + "' is not a base " + std::to_string(base) + " digit");
      if (fits && magnitude > (limit - digit) / base) fits = false;
      magnitude = magnitude * base + digit;
    }
    if (!fits) return make_big_integer(start, negative, digits, base);
    if (!negative) return term(static_cast<std::int64_t>(magnitude));
    return term(magnitude == limit ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(magnitude));
  }

  static unsigned digit_value(char c) {
    return is_digit(static_cast<unsigned char>(c)) ? static_cast<unsigned>(c - '0')
           : c >= 'a'                              ? static_cast<unsigned>(c - 'a' + 10)
                                                   : static_cast<unsigned>(c - 'A' + 10);
  }

  // Digits already checked, of an integer beyond 64 bits.
  term make_big_integer(std::size_t start, bool negative, std::string_view digits, unsigned base) {
    const double bits_per_digit = std::log2(static_cast<double>(base));
    if (static_cast<double>(digits.size() - 1) * bits_per_digit >= static_cast<double>(max_big_integer_bits))
      fail_at(start, "an integer of " + std::to_string(digits.size()) + " digits is beyond the " +
                         std::to_string(max_big_integer_bits) + "-bit limit of a term");
    if (base == 10) return integer_from_decimal((negative ? "-" : "") + std::string(digits));
    big_int value;
    for (char c : digits) value = value * base + digit_value(c);
    return otp::make_integer(negative ? big_int(-value) : value);
  }

  // After the '$': one character or escape sequence, as its code point.
  std::int64_t parse_char_literal() {
    if (at_end()) fail("expected a character after '$', got end of input");
    return text_[pos_] == '\\' ? parse_escape() : take_char();
  }

  // At a backslash: the escape sequences of Erlang strings, quoted atoms and $ literals.
  char32_t parse_escape() {
    const std::size_t start = pos_++;
    const char32_t c = take_char();
    switch (c) {
      case 'b': return '\b';
      case 'd': return 0x7F;
      case 'e': return 0x1B;
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 's': return ' ';
      case 't': return '\t';
      case 'v': return '\v';
      case '^': return take_char() & 0x1F;
      case 'x': {
        const bool braced = consume('{');
        const std::size_t digits_start = pos_;
        while (!at_end() && is_hex_digit(static_cast<unsigned char>(text_[pos_])) &&
               (braced || pos_ - digits_start < 2))
          ++pos_;
        const std::string_view digits = text_.substr(digits_start, pos_ - digits_start);
        std::uint32_t code = 0;
        const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), code, 16);
        if (digits.empty() || (!braced && digits.size() != 2) || (braced && !consume('}')))
          fail_at(start, "malformed \\x escape (write \\xHH or \\x{H...})");
        if (result.ec != std::errc() || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
          fail_at(start, "\\x{" + std::string(digits) + "} is not a Unicode code point");
        return code;
      }
      default:
        if (c >= '0' && c <= '7') {
          char32_t code = c - '0';
          for (int k = 0; k < 2 && !at_end() && text_[pos_] >= '0' && text_[pos_] <= '7'; ++k)
            code = code * 8 + static_cast<char32_t>(text_[pos_++] - '0');
          return code;
        }
        return c;  // \\ \' \" and any other character stand for themselves
    }
  }

  // At the opening quote: the characters up to the closing one.
  std::u32string parse_quoted(char quote, std::string_view what) {
    const std::size_t start = pos_++;
    std::u32string chars;
    while (true) {
      if (at_end()) fail_at(start, "unterminated " + std::string(what));
      if (consume(quote)) return chars;
      chars += text_[pos_] == '\\' ? parse_escape() : take_char();
    }
  }

  term parse_string() {
    std::vector<term> chars;
    for (char32_t c : parse_quoted('"', "string")) chars.emplace_back(static_cast<std::int64_t>(c));
    return term::make_list(std::move(chars));
  }

  term make_atom(std::size_t start, std::string_view text) const {
    try {
      return atom(text);
    } catch (const bad_atom& e) {
      fail_at(start, e.what());
    }
  }

  term parse_quoted_atom() {
    const std::size_t start = pos_;
    std::string text;
    for (char32_t c : parse_quoted('\'', "quoted atom")) append_utf8(text, c);
    return make_atom(start, text);
  }

  term parse_bare_atom() {
    const std::size_t start = pos_;
    const std::string_view text = take_while(is_name_char);
    if (is_reserved_word(text))
      fail_at(start, "'" + std::string(text) + "' is a reserved word; quote it to write the atom");
    return make_atom(start, text);
  }

  // Segments: "text", "text"/utf8, or an integer 0..255 (also $c).
  term parse_binary() {
    pos_ += 2;
    std::string bytes;
    skip_blanks();
    if (consume(">>")) return binary(bytes);
    while (true) {
      skip_blanks();
      const std::size_t start = pos_;
      if (looking_at("\"")) {
        const std::u32string chars = parse_quoted('"', "string");
        const bool utf8 = consume("/utf8");
        for (char32_t c : chars) {
          if (utf8) {
            append_utf8(bytes, c);
          } else if (c > 0xFF) {
            fail_at(start, "a character above 255 does not fit in a byte; write <<\"...\"/utf8>> for UTF-8");
          } else {
            bytes += static_cast<char>(c);
          }
        }
      } else if (looking_at("$") || looking_at("-") || is_digit(peek_char())) {
        const term byte = parse_number();
        if (consume(':')) return end_bitstring(bytes, byte, start);
        if (!byte.is_integer() || byte.as_int() < 0 || byte.as_int() > 255)
          fail_at(start, "a binary segment must be an integer 0..255 or a string, not " + byte.to_string());
        bytes += static_cast<char>(byte.as_int());
      } else {
        fail("expected a string or a byte in binary, got " + describe_next());
      }
      skip_blanks();
      if (consume(">>")) return binary(bytes);
      if (!consume(',')) fail("expected ',' or '>>' in binary, got " + describe_next());
    }
  }

  // After the ':' of a last segment Value:Bits (Bits 1..7), as a bitstring prints: <<255,1:3>>.
  term end_bitstring(std::string& bytes, const term& value, std::size_t start) {
    const std::size_t size_at = pos_;
    const std::int64_t bits = take_while(is_digit).size() == 1 ? text_[pos_ - 1] - '0' : 0;
    if (bits < 1 || bits > 7)
      fail_at(size_at, "the size of a bit segment must be 1..7 (the last bits of a bitstring, as in <<1:3>>)");
    if (!value.is_integer() || value.as_int() < 0 || value.as_int() >= (std::int64_t{1} << bits))
      fail_at(start, "a segment of " + std::to_string(bits) + " bits holds 0.." + std::to_string((1 << bits) - 1) +
                         ", not " + value.to_string());
    skip_blanks();
    if (!consume(">>")) fail("a bit segment ends its binary: expected '>>', got " + describe_next());
    bytes += static_cast<char>(value.as_int() << (8 - bits));
    return term::make_bitstring(bytes, (bytes.size() - 1) * 8 + static_cast<std::uint64_t>(bits));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string term::to_string() const {
  std::string out;
  print(out, *this, print_limits{});
  return out;
}

std::string to_string(const term& t, const print_limits& limits) {
  std::string out;
  print(out, t, limits);
  return out;
}

term_parse_error::term_parse_error(std::size_t error_line, std::size_t error_column, const std::string& message)
    : std::runtime_error(std::to_string(error_line) + ":" + std::to_string(error_column) + ": " + message),
      line(error_line),
      column(error_column) {}

term parse_term(std::string_view text) { return parser(text).parse_document(); }

std::ostream& operator<<(std::ostream& out, const term& t) { return out << t.to_string(); }

}  // namespace otp
