// Fuzz target: otp::etf::decode on a whole external term (what binary_to_term reads), and
// decode_one on the same bytes after the version byte.
// Invariants: decode_one leaves its offset alone when it throws, and moves it to the end of the
// term when it decodes (to the end of the input when decode accepts it). A term that decodes re-encodes, in both atom
// encodings, to bytes that decode to an equal term, and encoding is stable (encoding the re-decoded term gives the same
// bytes); unless it holds a fun or a port (they have no literal form), it also prints as Erlang text that parses back
// to an equal term.
// Anything else than a decode_error on malformed input is a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "otp/external_format.hpp"
#include "otp/term_text.hpp"

namespace {

void check_round_trip(const otp::term& decoded, otp::etf::atom_encoding atoms) {
  const std::string encoded = otp::etf::encode(decoded, {.atoms = atoms});
  const otp::term again = otp::etf::decode(encoded);
  otp::fuzz::require(again == decoded, "decode(encode(t)) == t");
  otp::fuzz::require(otp::etf::encode(again, {.atoms = atoms}) == encoded, "encode is stable");
}

// False when `t` holds a fun or a port anywhere (a local fun's free variables included).
bool has_literal_form(const otp::term& t) {
  std::vector<const otp::term*> pending{&t};
  while (!pending.empty()) {
    const otp::term& next = *pending.back();
    pending.pop_back();
    if (next.is_fun() || next.is_port()) return false;
    if (next.is_tuple() || next.kind() == otp::term_kind::list) {
      for (const otp::term& e : next.elements()) pending.push_back(&e);
      if (next.kind() == otp::term_kind::list) pending.push_back(&next.list_tail());
    } else if (next.is_map()) {
      for (const auto& [key, value] : next.map_pairs()) {
        pending.push_back(&key);
        pending.push_back(&value);
      }
    }
  }
  return true;
}

void check_text_round_trip(const otp::term& decoded) {
  const std::string text = decoded.to_string();
  try {
    if (!(otp::parse_term(text) == decoded)) otp::fuzz::require(false, "parse_term(t.to_string()) == t: " + text);
  } catch (const otp::term_parse_error& e) {
    otp::fuzz::require(false, "a decoded term's text parses: " + text + ": " + e.what());
  }
}

// decode_one after the version byte: the offset moves past the term, or stays where it was. Returns
// where it ended.
std::size_t check_decode_one(std::string_view bytes) {
  std::size_t offset = 1;
  if (bytes.empty()) return offset;
  try {
    otp::etf::decode_one(bytes, offset);
  } catch (const otp::etf::decode_error&) {
    otp::fuzz::require(offset == 1, "decode_one leaves the offset alone when it throws");
    return offset;
  }
  otp::fuzz::require(offset > 1 && offset <= bytes.size(), "decode_one moves the offset past the term");
  return offset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = otp::fuzz::bytes_of(data, size);
  const std::size_t end_of_first_term = check_decode_one(bytes);
  otp::term decoded;
  try {
    decoded = otp::etf::decode(bytes);
  } catch (const otp::etf::decode_error&) {
    return 0;
  }
  otp::fuzz::require(end_of_first_term == bytes.size(), "decode_one reads a whole term where decode does");
  check_round_trip(decoded, otp::etf::atom_encoding::latin1_when_possible);
  check_round_trip(decoded, otp::etf::atom_encoding::utf8);
  if (has_literal_form(decoded)) check_text_round_trip(decoded);
  return 0;
}
