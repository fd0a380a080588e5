// Fuzz target: otp::parse_term, Erlang-syntax text to a term (message arguments, application
// environments, appup extras all come through it).
// Invariant on a term that parses: it prints (to_string) as text that parses to an equal term,
// and printing that term again gives the same text.
// Anything else than a term_parse_error is a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "otp/term_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  otp::term parsed;
  try {
    parsed = otp::parse_term(otp::fuzz::bytes_of(data, size));
  } catch (const otp::term_parse_error&) {
    return 0;
  }
  const std::string printed = parsed.to_string();
  otp::term again;
  try {
    again = otp::parse_term(printed);
  } catch (const otp::term_parse_error& e) {
    otp::fuzz::require(false, "a parsed term's text parses: " + printed + ": " + e.what());
  }
  if (!(again == parsed)) otp::fuzz::require(false, "parse_term(t.to_string()) == t: " + printed);
  if (again.to_string() != printed) otp::fuzz::require(false, "printing is stable: " + printed);
  return 0;
}
