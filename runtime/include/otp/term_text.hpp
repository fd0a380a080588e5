// Erlang-syntax text for terms: printing (term::to_string, operator<<) and parsing (parse_term).
//
// Printing follows io:format("~w") with UTF-8 output:
//   {increment,3}   [1,2|3]   #{a => 1,b => [104,105]}   'hello world'   2.5   1.0e300   <0.85.0>
//   #Ref<0.3.2.1>   (node index, then the id words from last to first, as Erlang shows them)
// with these choices:
//   - atoms are quoted and escaped exactly as Erlang quotes them (reserved words such as 'case' and,
//     as OTP 27 does, 'maybe' and 'else' are quoted); characters from U+00A0 up are written as
//     UTF-8, as "~tw" does, rather than as \x{...}.
//   - lists of integers print as lists ([104,105]), never as "strings".
//   - binaries print as <<"text">> when every byte is printable ASCII (or \n \r \t \v \b \f \e),
//     as <<"héllo"/utf8>> when they are printable UTF-8 with non-ASCII characters, else as
//     <<1,2,3>>.
//   - floats print the shortest digits that read back as the same double, in Erlang's layout.
//     Erlang has no infinities or NaN; such doubles print as inf, -inf and nan and do not read back.
//   - pids, ports (#Port<0.5>) and references print with their node-table index where Erlang
//     shows its own node number.
//   - integers of any size print in decimal; bitstrings as <<1:3>>, <<255,1:3>>; export funs as
//     fun lists:map/2; local funs as OTP 25 does, #Fun<erl_eval.6.3316493> (module, index, old
//     uniq), which does not read back.
//
// Parsing reads one term in Erlang syntax, with an optional trailing '.', surrounding whitespace
// and %-comments: integers of any size up to max_big_integer_bits (-12, 16#FF, $a, $\n,
// 123456789012345678901234567890), floats (1.5, -2.0e-3), atoms (bare and quoted,
// with escapes), strings ("hi" is the list [104,105]), binaries (<<>>, <<"abc">>, <<1,2,3>>,
// <<"a",1>>, <<"日本"/utf8>>, and bitstrings ending in a segment Value:Bits of 1..7 bits,
// <<255,1:3>>), tuples, lists (also [H|T]), maps (#{k => v}), pids (<0.85.0>) and
// references (#Ref<0.3.2.1>). It rejects, with a term_parse_error naming line and column:
// integers beyond max_big_integer_bits, floats outside the double range, bytes outside 0..255,
// variables, reserved words used as bare atoms, funs and ports (they have no literal form), and
// nesting deeper than max_term_depth (the ETF decoder's limit too). Nesting costs heap, not stack.
// Every term with a literal form reads back equal: parse_term(t.to_string()) == t.
//
// Thread-safety: these functions only read their arguments; call them from any thread.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

#include "otp/term.hpp"

namespace otp {

// Compounds nested deeper than this are refused: the ETF decoder's limit (otp::max_term_depth).
inline constexpr std::size_t max_parse_depth = max_term_depth;

// what() is "line:column: message", e.g. "1:7: expected ',' or '}' in tuple, got 'x'". Lines and
// columns count from 1; columns count characters (UTF-8 code points).
struct term_parse_error : std::runtime_error {
  term_parse_error(std::size_t error_line, std::size_t error_column, const std::string& message);
  std::size_t line;
  std::size_t column;
};

term parse_term(std::string_view text);

// How much of a term `to_string(t, limits)` writes, as OTP's logger formatter limits a report:
// compounds nested deeper than `depth` (the whole term is depth 1) are written as "...", and
// the text is cut after `chars` characters (it then ends with "..."). The defaults write all.
struct print_limits {
  std::size_t depth = static_cast<std::size_t>(-1);
  std::size_t chars = static_cast<std::size_t>(-1);
};
// The limits reports use for the terms they show (reasons, states, messages): a huge message or
// state costs a report a few kilobytes, never its own size.
inline constexpr print_limits report_limits{.depth = 30, .chars = 8192};
std::string to_string(const term& t, const print_limits& limits);

std::ostream& operator<<(std::ostream& out, const term& t);

}  // namespace otp
