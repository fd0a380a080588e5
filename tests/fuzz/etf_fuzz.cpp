// Fuzz target: otp::etf::decode on a whole external term (what binary_to_term reads).
// Invariants on a term that decodes: it re-encodes, in both atom encodings, to bytes that decode to
// an equal term, and encoding is stable (encoding the re-decoded term gives the same bytes).
// Anything else than a decode_error on malformed input is a crash.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "otp/external_format.hpp"

namespace {

void check_round_trip(const otp::term& decoded, otp::etf::atom_encoding atoms) {
  const std::string encoded = otp::etf::encode(decoded, {.atoms = atoms});
  const otp::term again = otp::etf::decode(encoded);
  otp::fuzz::require(again == decoded, "decode(encode(t)) == t");
  otp::fuzz::require(otp::etf::encode(again, {.atoms = atoms}) == encoded, "encode is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  otp::term decoded;
  try {
    decoded = otp::etf::decode(otp::fuzz::bytes_of(data, size));
  } catch (const otp::etf::decode_error&) {
    return 0;
  }
  check_round_trip(decoded, otp::etf::atom_encoding::latin1_when_possible);
  check_round_trip(decoded, otp::etf::atom_encoding::utf8);
  return 0;
}
