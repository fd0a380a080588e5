// Integers of any size as Boost.Multiprecision's cpp_int, for C++ code that reads or makes them.
//
// otp::term holds an integer that fits int64 inline (term::as_int) and a larger one as a
// big_integer term (term::is_big_integer), up to max_big_integer_bits of magnitude. These
// functions convert between both kinds and cpp_int or decimal text; every result that fits int64
// is the inline kind, so equal integers are always equal terms.
//
// Thread-safety: plain functions on values; call them from any thread.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "otp/term.hpp"

namespace otp {

using big_int = boost::multiprecision::cpp_int;

// The integer term of `value`. Throws bad_term beyond max_big_integer_bits.
term make_integer(const big_int& value);
// The value of an integer term of either kind; bad_term for any other term.
big_int as_big_int(const term& t);

// The integer that decimal `text` ("-123456789012345678901234567890") writes; bad_term when it
// is not an optional '-' and digits only, or beyond max_big_integer_bits.
term integer_from_decimal(std::string_view text);
// The decimal text of an integer term of either kind, or only its first `max_chars` characters
// (costing far less than the whole text for a huge integer); bad_term for any other term.
std::string integer_to_decimal(const term& t, std::size_t max_chars = static_cast<std::size_t>(-1));

}  // namespace otp
