#include "otp/big_integer.hpp"

#include <algorithm>
#include <iterator>

namespace otp {

term make_integer(const big_int& value) {
  if (value >= INT64_MIN && value <= INT64_MAX) return term(static_cast<std::int64_t>(value));
  const big_int magnitude = abs(value);
  const std::size_t bits = msb(magnitude) + 1;
  if (bits > max_big_integer_bits)
    throw bad_term("an integer of " + std::to_string(bits) + " bits is beyond the " +
                   std::to_string(max_big_integer_bits) + "-bit limit of a term");
  std::string bytes;
  export_bits(magnitude, std::back_inserter(bytes), 8, false);
  return term::make_integer(value < 0, bytes);
}

big_int as_big_int(const term& t) {
  if (t.is_integer()) return big_int(t.as_int());
  const std::string_view magnitude = t.big_integer_magnitude();  // throws for other kinds
  big_int value;
  import_bits(value, magnitude.begin(), magnitude.end(), 8, false);
  return t.big_integer_negative() ? big_int(-value) : value;
}

term integer_from_decimal(std::string_view text) {
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw bad_term("not a decimal integer: " + std::string(text.substr(0, 40)));
  // 10^n < 2^(3.33n): refuse before converting text far beyond the limit.
  if (digits.size() > max_big_integer_bits * 3 / 10 + 2)
    throw bad_term("an integer of " + std::to_string(digits.size()) + " digits is beyond the " +
                   std::to_string(max_big_integer_bits) + "-bit limit of a term");
  // Boost reads a leading 0 as an octal prefix: it gets the digits without their leading zeros.
  const std::size_t first_significant = digits.find_first_not_of('0');
  if (first_significant == std::string_view::npos) return term(0);
  const big_int magnitude(std::string(digits.substr(first_significant)));
  return make_integer(text.starts_with('-') ? big_int(-magnitude) : magnitude);
}

std::string integer_to_decimal(const term& t, std::size_t max_chars) {
  if (t.is_integer()) return std::to_string(t.as_int()).substr(0, max_chars);
  const big_int value = as_big_int(t);
  const big_int magnitude = abs(value);
  const std::string sign = value < 0 ? "-" : "";
  // It has at least floor(bits * log10(2)) digits: drop those beyond what is wanted before
  // converting, so that only the leading digits are computed.
  const std::size_t bits = msb(magnitude) + 1;
  const std::size_t digits_at_least = static_cast<std::size_t>(static_cast<double>(bits - 1) * 0.30102999566398);
  const std::size_t wanted = max_chars + 1;
  if (max_chars == static_cast<std::size_t>(-1) || digits_at_least <= wanted + 1)
    return (sign + magnitude.str()).substr(0, max_chars);
  const auto dropped = static_cast<unsigned>(digits_at_least - wanted - 1);
  const big_int leading = magnitude / boost::multiprecision::pow(big_int(10), dropped);
  return (sign + leading.str()).substr(0, max_chars);
}

}  // namespace otp
