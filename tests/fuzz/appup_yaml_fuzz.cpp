// Fuzz target: otp::appup::parse_appup, an appup file in YAML.
// Invariants on an appup that parses: its term (appup_spec::to_term) prints as text that parses to
// an equal term, and each instruction's Erlang text (format) reads back as its term (to_term).
// Anything else than a yaml_error is a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "otp/appup_yaml.hpp"
#include "otp/term_text.hpp"

namespace {

void check_reads_back(const std::string& text, const otp::term& expected, std::string_view what) {
  otp::term parsed;
  try {
    parsed = otp::parse_term(text);
  } catch (const otp::term_parse_error& e) {
    otp::fuzz::require(false, std::string(what) + " parses: " + text + ": " + e.what());
  }
  if (!(parsed == expected)) otp::fuzz::require(false, std::string(what) + " reads back: " + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  otp::appup::appup_spec spec;
  try {
    spec = otp::appup::parse_appup(otp::fuzz::bytes_of(data, size));
  } catch (const otp::appup::yaml_error&) {
    return 0;
  }
  const otp::term whole = spec.to_term();
  check_reads_back(whole.to_string(), whole, "the appup's term");
  for (const auto* sections : {&spec.up, &spec.down})
    for (const auto& section : *sections)
      for (const auto& instruction : section.instructions)
        check_reads_back(otp::appup::format(instruction), otp::appup::to_term(instruction), "an instruction");
  return 0;
}
