// The kinds an Erlang peer may send beyond the everyday ones: integers beyond 64 bits,
// bitstrings, local funs, export funs and ports; how they are made, ordered, hashed, printed,
// parsed (or refused as text) and encoded byte for byte as erl 25 writes them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "otp/big_integer.hpp"
#include "otp/external_format.hpp"
#include "otp/node_table.hpp"
#include "otp/term.hpp"
#include "otp/term_text.hpp"

namespace {

using otp::atom;
using otp::bad_term;
using otp::big_int;
using otp::term;
using otp::term_parse_error;

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// term_to_binary(T) in erl 25 for: X = 5, fun() -> X end (in the shell); fun lists:map/2;
// hd(erlang:ports()); <<1,2,3:5>>; 1 bsl 64; -(1 bsl 200).
const std::string erl_fun = from_hex(
    "83700000009A00065361AA461590D1BDF1EB62D1A6EB080000002B0000000164000865726C5F6576616C612B6200329B0D5864000D6E6F6E6F"
    "6465406E6F686F7374000000090000000000000000680661016C0000000168026400015861056A6400046E6F6E656400046E6F6E6574000000"
    "006C000000016805640006636C6175736561016A6A6C0000000168036400037661726101640001586A6A");
const std::string erl_export = from_hex("83716400056C697374736400036D61706102");
const std::string erl_port = from_hex("835964000D6E6F6E6F6465406E6F686F73740000000000000000");
const std::string erl_bitstring = from_hex("834D0000000305010218");
const std::string erl_two_to_64 = from_hex("836E0900000000000000000001");
const std::string erl_minus_two_to_200 = from_hex("836E1A010000000000000000000000000000000000000000000000000001");

big_int two_to(unsigned n) { return big_int(1) << n; }

// parse_term(text) fails with a message that starts with `message`.
void expect_parse_error(const std::string& text, const std::string& message) {
  try {
    otp::parse_term(text);
    ADD_FAILURE() << text << " parsed";
  } catch (const term_parse_error& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, message.size()), message) << e.what();
  }
}

// --- integers beyond 64 bits ---------------------------------------------------------------------

TEST(BigInteger, AnIntegerThatFitsInt64IsAlwaysInline) {
  const auto max = std::numeric_limits<std::int64_t>::max();
  const auto min = std::numeric_limits<std::int64_t>::min();
  EXPECT_TRUE(otp::make_integer(big_int(max)).is_integer());
  EXPECT_TRUE(otp::make_integer(big_int(max) + 1).is_big_integer());
  EXPECT_TRUE(otp::make_integer(big_int(min)).is_integer());
  EXPECT_TRUE(otp::make_integer(big_int(min) - 1).is_big_integer());
  EXPECT_EQ(otp::make_integer(big_int(min)), term(min));
  // The same from every source: bytes, ETF (a bignum that fits), text.
  EXPECT_TRUE(term::make_integer(true, std::string("\0\0\0\0\0\0\0\x80\0\0", 10)).is_integer());
  EXPECT_EQ(otp::etf::decode(from_hex("836E08010000000000000080")), term(min));
  EXPECT_TRUE(otp::etf::decode(from_hex("836E08010100000000000080")).is_big_integer());  // -(2^63) - 1
  EXPECT_TRUE(otp::etf::decode(from_hex("836E08000000000000000080")).is_big_integer());  // 2^63
  EXPECT_TRUE(otp::parse_term("-9223372036854775808").is_integer());
  EXPECT_TRUE(otp::parse_term("-9223372036854775809").is_big_integer());
  // Re-encoded as erl writes it: the smallest form.
  EXPECT_EQ(otp::etf::encode(otp::etf::decode(from_hex("836E0400FFFFFFFF"))), from_hex("836E0400FFFFFFFF"));
  EXPECT_EQ(otp::etf::encode(otp::etf::decode(from_hex("836E0900010000000000000000"))), from_hex("836101"));
}

TEST(BigInteger, ConvertsToAndFromCppIntAndDecimal) {
  const big_int value = -two_to(200) + 12345;
  const term t = otp::make_integer(value);
  EXPECT_EQ(otp::as_big_int(t), value);
  EXPECT_EQ(otp::as_big_int(term(42)), 42);
  EXPECT_EQ(otp::integer_to_decimal(t), value.str());
  EXPECT_EQ(otp::integer_from_decimal(value.str()), t);
  EXPECT_EQ(otp::integer_to_decimal(t, 5), value.str().substr(0, 5));
  EXPECT_THROW(otp::integer_from_decimal("12a"), bad_term);
  EXPECT_THROW(otp::as_big_int(term(atom("x"))), bad_term);
  EXPECT_THROW(otp::make_integer(two_to(otp::max_big_integer_bits)), bad_term);
  EXPECT_NO_THROW(otp::make_integer(two_to(otp::max_big_integer_bits) - 1));
}

// Leading zeros are decimal digits like any other (found by the term_text fuzzer: the library
// under it reads a leading 0 as an octal prefix, and threw on a 9).
TEST(BigInteger, LeadingZerosAreReadAsDecimal) {
  const term expected = otp::integer_from_decimal("123456789012345678901234567890");
  EXPECT_EQ(otp::integer_from_decimal("000123456789012345678901234567890"), expected);
  EXPECT_EQ(otp::integer_from_decimal("-000123456789012345678901234567890"),
            otp::make_integer(-otp::as_big_int(expected)));
  EXPECT_EQ(otp::integer_from_decimal("0000"), term(0));
  EXPECT_EQ(otp::parse_term("{00000000000020000000000000000000000249924476}"),
            otp::tuple(otp::integer_from_decimal("20000000000000000000000249924476")));
}

TEST(BigInteger, DecodesAndEncodesAsErl) {
  const term two_to_64 = otp::etf::decode(erl_two_to_64);
  EXPECT_EQ(two_to_64.to_string(), "18446744073709551616");
  EXPECT_EQ(otp::etf::encode(two_to_64), erl_two_to_64);
  const term minus = otp::etf::decode(erl_minus_two_to_200);
  EXPECT_EQ(otp::as_big_int(minus), -two_to(200));
  EXPECT_EQ(otp::etf::encode(minus), erl_minus_two_to_200);
  // Past 255 bytes of magnitude: LARGE_BIG_EXT.
  const std::string large = otp::etf::encode(otp::make_integer(two_to(100000)));
  EXPECT_EQ(static_cast<unsigned char>(large[1]), 111);
  EXPECT_EQ(otp::as_big_int(otp::etf::decode(large)), two_to(100000));
}

TEST(BigInteger, OrdersByValueAmongIntegersAndFloats) {
  const term big = otp::make_integer(two_to(64));
  const term huge = otp::make_integer(two_to(200));
  const term negative = otp::make_integer(-two_to(64));
  const term as_float(18446744073709551616.0);  // 2^64 exactly
  EXPECT_LT(negative, term(std::numeric_limits<std::int64_t>::min()));
  EXPECT_LT(negative, term(-1.0e19));
  EXPECT_GT(negative, term(-1.0e20));
  EXPECT_LT(term(std::numeric_limits<std::int64_t>::max()), big);
  EXPECT_LT(term(1.0e19), big);
  EXPECT_GT(term(1.0e20), big);
  EXPECT_LT(big, huge);
  EXPECT_LT(negative, otp::make_integer(-two_to(63) - 1));
  EXPECT_LT(otp::make_integer(-two_to(200)), negative);
  // Equal by value: the integer sorts first, and they are not equal terms.
  EXPECT_LT(big, as_float);
  EXPECT_GT(as_float, big);
  EXPECT_NE(big, as_float);
  EXPECT_LT(otp::make_integer(-two_to(64)), term(-18446744073709551616.0));
  EXPECT_LT(huge, term(atom("a")));
}

TEST(BigInteger, EqualValuesAreEqualTermsWithEqualHashes) {
  const term a = otp::make_integer(two_to(90) + 7);
  const term b = otp::parse_term("1237940039285380274899124231");
  const term c = otp::etf::decode(otp::etf::encode(a));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_EQ(a.hash(), c.hash());
  EXPECT_NE(a, otp::make_integer(-(two_to(90) + 7)));
}

TEST(BigInteger, AsIntNamesTheBigInteger) {
  try {
    (void)otp::make_integer(two_to(64)).as_int();
    ADD_FAILURE() << "as_int on 2^64";
  } catch (const bad_term& e) {
    EXPECT_STREQ(e.what(), "expected an integer, got 18446744073709551616");
  }
  EXPECT_DOUBLE_EQ(otp::make_integer(two_to(64)).as_float(), 18446744073709551616.0);
}

// A report's print limits cut a huge integer, and cost far less than printing all of it.
TEST(BigInteger, PrintLimitsCutAMillionDigitInteger) {
  const term huge = otp::make_integer(boost::multiprecision::pow(big_int(10), 999'999) * 3);
  const auto start = std::chrono::steady_clock::now();
  const std::string text = otp::to_string(otp::tuple(atom("n"), huge), otp::report_limits);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(text.size(), otp::report_limits.chars + 3);
  EXPECT_EQ(text.substr(0, 6), "{n,300");
  EXPECT_EQ(text.find_first_not_of('0', 4), text.size() - 3);
  EXPECT_EQ(text.substr(text.size() - 3), "...");
  std::printf("printing a million-digit integer cut at %zu characters took %lld ms\n", otp::report_limits.chars,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

// --- bitstrings ----------------------------------------------------------------------------------

TEST(Bitstring, WholeBytesMakeABinary) {
  const term t = term::make_bitstring("ab", 16);
  EXPECT_TRUE(t.is_binary());
  EXPECT_EQ(t, otp::binary("ab"));
  EXPECT_EQ(term::make_bitstring("abc", 8), otp::binary("a"));
  EXPECT_EQ(otp::etf::decode(from_hex("834D000000020861") + "b"), otp::binary("ab"));
  EXPECT_THROW(term::make_bitstring("a", 9), bad_term);
}

TEST(Bitstring, KeepsItsBitsPrintsAndEncodesAsErl) {
  const term t = otp::etf::decode(erl_bitstring);
  EXPECT_TRUE(t.is_bitstring());
  EXPECT_FALSE(t.is_binary());
  EXPECT_EQ(t.bit_size(), 21u);
  EXPECT_EQ(t.to_string(), "<<1,2,3:5>>");
  EXPECT_EQ(otp::etf::encode(t), erl_bitstring);
  EXPECT_EQ(otp::parse_term("<<1,2,3:5>>"), t);
  EXPECT_EQ(term::make_bitstring("\x20", 3).to_string(), "<<1:3>>");
  EXPECT_EQ(otp::parse_term("<<255,1:3>>").to_string(), "<<255,1:3>>");
  EXPECT_EQ(otp::parse_term("<<\"ab\",0:1>>").to_string(), "<<97,98,0:1>>");
  // The bits past its size are not part of it.
  EXPECT_EQ(term::make_bitstring("\xFF", 3), otp::parse_term("<<7:3>>"));
  EXPECT_EQ(term::make_bitstring("\xFF", 3).hash(), otp::parse_term("<<7:3>>").hash());
}

TEST(Bitstring, OrdersBitByBitWithBinaries) {
  const term one_in_3_bits = otp::parse_term("<<1:3>>");  // 001
  EXPECT_GT(one_in_3_bits, otp::binary("\x01"));          // 00000001
  EXPECT_GT(one_in_3_bits, otp::parse_term("<<1,2>>"));
  EXPECT_LT(otp::parse_term("<<0:1>>"), otp::parse_term("<<0:2>>"));  // a prefix sorts first
  EXPECT_LT(otp::binary(""), otp::parse_term("<<0:1>>"));
  EXPECT_LT(otp::parse_term("<<1,0:1>>"), otp::binary(std::string_view("\x01\x00", 2)));
  EXPECT_GT(otp::parse_term("<<1,1:1>>"), otp::binary("\x01\x7F"));
  EXPECT_GT(one_in_3_bits, otp::list(1));
}

TEST(Bitstring, TextRefusesWhatIsNotALastSegmentOf1To7Bits) {
  const std::pair<std::string, std::string> cases[] = {
      {"<<1:8>>", "1:5: the size of a bit segment must be 1..7"},
      {"<<8:3>>", "1:3: a segment of 3 bits holds 0..7, not 8"},
      {"<<1:3,2>>", "1:6: a bit segment ends its binary: expected '>>', got ','"},
  };
  for (const auto& [text, message] : cases) expect_parse_error(text, message);
}

// --- funs, export funs, ports --------------------------------------------------------------------

TEST(Fun, AFunFromErlKeepsItsPartsAndEncodesBackByteForByte) {
  const term f = otp::etf::decode(erl_fun);
  ASSERT_TRUE(f.is_fun());
  const otp::fun_parts parts = f.as_fun();
  EXPECT_EQ(parts.module, atom("erl_eval"));
  EXPECT_EQ(parts.index, 43u);
  EXPECT_EQ(parts.old_uniq, 3316493);
  ASSERT_EQ(parts.free_variables.size(), 1u);  // the shell's bindings and clauses
  EXPECT_TRUE(parts.free_variables[0].is_tuple(6));
  EXPECT_EQ(f.to_string(), "#Fun<erl_eval.43.3316493>");
  EXPECT_EQ(otp::etf::encode(f), erl_fun);
  EXPECT_EQ(otp::etf::decode(otp::etf::encode(f, {.atoms = otp::etf::atom_encoding::utf8})), f);
  EXPECT_EQ(term::make_fun(parts), f);
  EXPECT_EQ(term::make_fun(parts).hash(), f.hash());
}

TEST(Fun, ComparesByModuleIndexUniqThenFreeVariables) {
  otp::fun_parts parts = otp::etf::decode(erl_fun).as_fun();
  const term f = term::make_fun(parts);
  otp::fun_parts other_pid = parts;
  other_pid.pid.id += 1;
  EXPECT_EQ(term::make_fun(other_pid), f);  // as OTP 25: the creator does not count
  otp::fun_parts bigger_variable = parts;
  bigger_variable.free_variables[0] = otp::tuple(1, 2, 3, 4, 5, 6, 7);  // a larger tuple
  EXPECT_NE(term::make_fun(bigger_variable), f);
  EXPECT_LT(f, term::make_fun(bigger_variable));
  otp::fun_parts later_index = parts;
  later_index.index += 1;
  later_index.free_variables.clear();
  EXPECT_LT(f, term::make_fun(later_index));
  otp::fun_parts other_module = parts;
  other_module.module = atom("a_module");
  EXPECT_LT(term::make_fun(other_module), f);
}

TEST(Fun, AnExportFunFromErlPrintsAndEncodesAsErl) {
  const term e = otp::etf::decode(erl_export);
  ASSERT_TRUE(e.is_fun());
  EXPECT_EQ(e.as_export().module, atom("lists"));
  EXPECT_EQ(e.as_export().function, atom("map"));
  EXPECT_EQ(e.as_export().arity, 2);
  EXPECT_EQ(e.to_string(), "fun lists:map/2");
  EXPECT_EQ(otp::etf::encode(e), erl_export);
  EXPECT_EQ(term::make_export({atom("a b"), atom("c"), 0}).to_string(), "fun 'a b':c/0");
  EXPECT_LT(otp::etf::decode(erl_fun), e);  // a local fun sorts before an export fun
  EXPECT_LT(e, term::make_export({atom("lists"), atom("map"), 3}));
  EXPECT_LT(e, term::make_export({atom("lists"), atom("nth"), 0}));
}

TEST(Port, APortFromErlPrintsWithItsNodeNumberAndEncodesAsErl) {
  const term p = otp::etf::decode(erl_port);
  ASSERT_TRUE(p.is_port());
  const std::uint32_t node = otp::node_table::intern({atom("nonode@nohost"), 0});
  EXPECT_EQ(p.as_port().node, node);
  EXPECT_EQ(p.as_port().id, 0u);
  EXPECT_EQ(p.to_string(), "#Port<" + std::to_string(node) + ".0>");
  EXPECT_EQ(otp::etf::encode(p), erl_port);
  // An id beyond 32 bits needs V4_PORT_EXT.
  const term wide = term::make_port({node, std::uint64_t{1} << 40});
  const std::string encoded = otp::etf::encode(wide);
  EXPECT_EQ(static_cast<unsigned char>(encoded[1]), 120);
  EXPECT_EQ(otp::etf::decode(encoded), wide);
  EXPECT_LT(p, wide);
}

TEST(TermOrder, FunsAndPortsSitBetweenReferencesAndPids) {
  const term reference = term::make_reference(0, std::vector<std::uint32_t>{1, 2, 3});
  const term fun = otp::etf::decode(erl_fun);
  const term export_fun = otp::etf::decode(erl_export);
  const term port = otp::etf::decode(erl_port);
  const term pid = term::make_pid({0, 1, 0});
  EXPECT_LT(term(atom("z")), reference);
  EXPECT_LT(reference, fun);
  EXPECT_LT(fun, export_fun);
  EXPECT_LT(export_fun, port);
  EXPECT_LT(port, pid);
  EXPECT_LT(pid, otp::tuple());
}

TEST(TermText, FunsAndPortsHaveNoTextForm) {
  const std::pair<std::string, std::string> cases[] = {
      {"#Fun<erl_eval.43.3316493>", "1:1: a fun has no text form to read back"},
      {"[fun lists:map/2]", "1:2: a fun has no text form to read back"},
      {"{a, #Port<0.5>}", "1:5: a port has no text form to read back"},
  };
  for (const auto& [text, message] : cases) expect_parse_error(text, message);
  EXPECT_EQ(otp::parse_term("funny"), term(atom("funny")));
}

// --- one depth limit -----------------------------------------------------------------------------

term nested(std::size_t depth) {
  term t(1);
  for (std::size_t i = 0; i < depth; ++i) t = i % 2 == 0 ? otp::tuple(t) : otp::list(t);
  return t;
}

TEST(TermDepth, TheParserAndTheDecoderAcceptAndRefuseTheSameNesting) {
  EXPECT_EQ(otp::max_parse_depth, otp::etf::max_nesting_depth);
  const term deepest = nested(otp::max_term_depth);
  EXPECT_EQ(otp::parse_term(deepest.to_string()), deepest);
  EXPECT_EQ(otp::etf::decode(otp::etf::encode(deepest)), deepest);
  const term too_deep = nested(otp::max_term_depth + 1);
  EXPECT_THROW(otp::parse_term(too_deep.to_string()), term_parse_error);
  EXPECT_THROW(otp::etf::decode(otp::etf::encode(too_deep)), otp::etf::decode_error);
}

TEST(TermDepth, AFunsFreeVariablesCountAsNesting) {
  otp::fun_parts parts = otp::etf::decode(erl_fun).as_fun();
  parts.free_variables = {nested(otp::max_term_depth - 1)};
  EXPECT_NO_THROW(otp::etf::decode(otp::etf::encode(term::make_fun(parts))));
  parts.free_variables = {nested(otp::max_term_depth)};
  EXPECT_THROW(otp::etf::decode(otp::etf::encode(term::make_fun(parts))), otp::etf::decode_error);
}

TEST(Fun, ABadSizeFieldIsRefused) {
  std::string bytes = erl_fun;
  bytes[5] = static_cast<char>(bytes[5] + 1);
  try {
    otp::etf::decode(bytes);
    ADD_FAILURE() << "decoded a fun with a wrong Size";
  } catch (const otp::etf::decode_error& e) {
    EXPECT_STREQ(e.what(), "ETF: bad NEW_FUN_EXT at byte 1: its Size field says 155 bytes but it has 154");
  }
}

}  // namespace
