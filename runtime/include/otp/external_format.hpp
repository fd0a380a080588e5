// otp::etf — Erlang's External Term Format (erl_ext_dist), as term_to_binary/binary_to_term.
//
// encode() produces the bytes OTP 25's term_to_binary(T) produces (byte for byte, except that
// maps of more than 32 keys are written sorted by key where erl writes hash order; any order
// decodes the same). With atom_encoding::utf8 it matches term_to_binary(T, [{minor_version, 2}])
// and what distribution sends. Pids and references are written with the node name and creation
// that node_table::identity gives their node index; decoding interns them (this node -> index 0).
// A pid or reference whose node index names no node (read from text as <4000.2.3>) cannot be
// encoded: bad_term, as for non-finite floats.
//
// Every term OTP 25 writes is read and written back byte for byte: integers of any size up to
// max_big_integer_bits (SMALL_BIG_EXT, LARGE_BIG_EXT), bitstrings (BIT_BINARY_EXT), local funs
// (NEW_FUN_EXT, kept whole: uniq, indexes, pid and free variables), export funs (EXPORT_EXT) and
// ports (NEW_PORT_EXT; V4_PORT_EXT for ids beyond 32 bits). A bitstring's unused low bits are
// written as zero, as erl writes them.
//
// decode() accepts everything encode() writes plus the older forms an Erlang peer may send
// (ATOM_EXT, SMALL_ATOM_EXT, NEW_REFERENCE_EXT, PID_EXT, PORT_EXT, BIT_BINARY_EXT of whole bytes,
// a bignum that fits 64 bits). Input is untrusted: anything malformed, truncated, or not
// representable as an otp::term (the obsolete FUN_EXT, REFERENCE_EXT and FLOAT_EXT, compressed
// terms, non-finite floats, duplicate map keys, integers beyond max_big_integer_bits, nesting
// deeper than max_term_depth) throws decode_error naming the byte offset. No allocation is sized
// by a length field before the bytes it announces are known to be there.
// Neither direction recurses on the C++ stack for nesting (only the ordering of compound map keys
// does, as deep as the keys), so both suit a small fiber stack.
//
// Ownership: results are plain values (std::string, otp::term); nothing refers to the input
// after a call returns. Thread-safety: every function may be called from any thread at once.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "otp/term.hpp"

namespace otp::etf {

inline constexpr unsigned char version_magic = 131;
// Compound terms nested deeper than this are refused when decoding: the same limit as the text
// parser's (otp::max_term_depth).
inline constexpr std::size_t max_nesting_depth = max_term_depth;

// Thrown by decode()/decode_one(); `offset` is the byte (from the start of the input) where the
// problem was found, usually the tag of the term that could not be decoded. what() reads
// "ETF: <problem> at byte <offset>: <detail>", e.g. "ETF: truncated BINARY_EXT at byte 7: length
// 1000 but 3 bytes remain".
struct decode_error : std::runtime_error {
  decode_error(std::size_t at, const std::string& problem, const std::string& detail = {});
  std::size_t offset;
};

enum class atom_encoding {
  latin1_when_possible,  // ATOM_EXT 100 for atoms of Latin-1 characters, as term_to_binary by default in OTP 25
  utf8,                  // SMALL_ATOM_UTF8_EXT 119 / ATOM_UTF8_EXT 118, as distribution and {minor_version, 2}
};

struct encode_options {
  atom_encoding atoms = atom_encoding::latin1_when_possible;
  bool version_byte = true;  // start with 131 (encode() only)
};

// The encoding of `t`, starting with the version byte 131 unless options.version_byte is false.
// Throws otp::bad_term for a float that is not finite (Erlang has none).
std::string encode(const term& t, encode_options options = {});
// Appends the encoding of `t` to `out` without a version byte (options.version_byte is ignored),
// for distribution frames that put the version bytes themselves.
void encode_append(std::string& out, const term& t, encode_options options = {});

// Decodes one whole term_to_binary output: the version byte 131, one term, nothing after it.
term decode(std::string_view bytes);
// Decodes the term (no version byte) that starts at `offset` and moves `offset` past it.
// On a decode_error, `offset` is left unchanged.
term decode_one(std::string_view bytes, std::size_t& offset);

}  // namespace otp::etf
