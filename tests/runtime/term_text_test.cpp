// Tests of Erlang-syntax printing and parsing of terms (otp/term_text.hpp).
#include "otp/term_text.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "otp/term.hpp"

namespace {

using otp::atom;
using otp::parse_term;
using otp::term;
using otp::term_parse_error;
using namespace otp::literals;

term ref(std::uint32_t node, std::vector<std::uint32_t> ids) { return term::make_reference(node, ids); }

struct printed {
  term value;
  std::string text;
};

// Expected texts are what OTP 25 prints for the same terms, produced with
//   erl -noshell -eval 'io:setopts([{encoding, unicode}]),
//     [io:format("~ts~n", [io_lib:format("~tw", [T])]) || T <- [{increment,3}, [1,2|3], ...]], halt().'
// (~tw rather than ~w only changes atoms with characters above 255: ~w writes '\x{65E5}'.)
const std::vector<printed>& erl_w_table() {
  static const std::vector<printed> table = {
      {otp::tuple("increment"_a, 3), "{increment,3}"},
      {term::make_list({1, 2}, term(3)), "[1,2|3]"},
      {otp::map({{"a"_a, otp::list(1, 2.5, "b"_a)}}), "#{a => [1,2.5,b]}"},
      {otp::map({{"b"_a, 2}, {"a"_a, 1}}), "#{a => 1,b => 2}"},
      // atoms
      {"hello world"_a, "'hello world'"},
      {"Abc"_a, "'Abc'"},
      {otp::atoms::gen_call, "'$gen_call'"},
      {""_a, "''"},
      {"\n"_a, "'\\n'"},
      {"'"_a, "'\\''"},
      {"\\"_a, "'\\\\'"},
      {"and"_a, "'and'"},
      {"case"_a, "'case'"},
      {"end"_a, "'end'"},
      {"a@b"_a, "a@b"},
      {"a.b"_a, "'a.b'"},
      {"é"_a, "é"},
      {otp::atoms::nonode_nohost, "nonode@nohost"},
      {"x_Y9"_a, "x_Y9"},
      {"_x"_a, "'_x'"},
      {"Ünï"_a, "'Ünï'"},
      {"ñandú"_a, "ñandú"},
      {"日本"_a, "'日本'"},
      {atom("a\x01\x02\u0080\u009F\u00A0\x7F\x1B\b\t\v\f\r"), "'a\\001\\002\\200\\237\u00A0\\d\\e\\b\\t\\v\\f\\r'"},
      {"a\"b"_a, "'a\"b'"},
      {otp::atoms::exit_, "'EXIT'"},
      {"query"_a, "query"},
      // floats
      {2.5, "2.5"},
      {1.0e300, "1.0e300"},
      {0.1, "0.1"},
      {1.0, "1.0"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {1.0e-10, "1.0e-10"},
      {123456789.0, "123456789.0"},
      {1.0e15, "1.0e15"},
      {1.0e16, "1.0e16"},
      {1000.0, "1.0e3"},
      {100.0, "100.0"},
      {0.0001, "0.0001"},
      {1.5e-5, "1.5e-5"},
      {5.0e-324, "5.0e-324"},
      {1.7976931348623157e308, "1.7976931348623157e308"},
      {9007199254740992.0, "9.007199254740992e15"},
      {9007199254740991.0, "9007199254740991.0"},
      {1.2345678901234567e19, "1.2345678901234567e19"},
      {-1.5e-7, "-1.5e-7"},
      {0.3, "0.3"},
      {1.0e23, "1.0e23"},
      {123.456, "123.456"},
      {-2.0e-3, "-0.002"},
      // integers
      {0, "0"},
      {-5, "-5"},
      {std::numeric_limits<std::int64_t>::max(), "9223372036854775807"},
      {std::numeric_limits<std::int64_t>::min(), "-9223372036854775808"},
      // lists, tuples, maps
      {otp::nil(), "[]"},
      {otp::list(otp::nil()), "[[]]"},
      {term::make_list({"a"_a}, "b"_a), "[a|b]"},
      {otp::charlist("hi"), "[104,105]"},
      {otp::list(1, otp::list(2, otp::list(3))), "[1,[2,[3]]]"},
      {otp::list(otp::tuple()), "[{}]"},
      {otp::tuple(), "{}"},
      {otp::tuple("a"_a, otp::tuple("b"_a, otp::tuple())), "{a,{b,{}}}"},
      {otp::map({}), "#{}"},
      {otp::map({{1.0, "b"_a}, {1, "a"_a}}), "#{1 => a,1.0 => b}"},
      {otp::map({{"a"_a, otp::map({{"b"_a, otp::nil()}})}}), "#{a => #{b => []}}"},
      {otp::map({{otp::tuple(1, 2), otp::list(3)}}), "#{{1,2} => [3]}"},
      // pids and references: list_to_pid("<0.85.0>"), list_to_ref("#Ref<0.1.2.3>"); term_to_binary of the
      // latter lists the id words 3, 2, 1, so Erlang prints the last id word first.
      {term::make_pid({0, 85, 0}), "<0.85.0>"},
      {ref(0, {3, 2, 1}), "#Ref<0.1.2.3>"},
  };
  return table;
}

// Binaries print as io_lib:format("~tp") does (with erl +pc unicode for characters above 255).
const std::vector<printed>& erl_p_binary_table() {
  static const std::vector<printed> table = {
      {otp::binary(""), "<<>>"},
      {otp::binary("hi"), "<<\"hi\">>"},
      {otp::binary("a\nb"), "<<\"a\\nb\">>"},
      {otp::binary("a\"b\\"), "<<\"a\\\"b\\\\\">>"},
      {otp::binary("\x01\x02"), "<<1,2>>"},
      {otp::binary(std::string("a\0", 2)), "<<97,0>>"},
      {otp::binary("\x7F"), "<<127>>"},
      {otp::binary("\t\x1B\r\v\b\f"), "<<\"\\t\\e\\r\\v\\b\\f\">>"},
      {otp::binary("é"), "<<\"é\"/utf8>>"},
      {otp::binary("日本"), "<<\"日本\"/utf8>>"},
      {otp::binary("\xC2\x85"), "<<194,133>>"},  // U+0085 is not printable
  };
  return table;
}

TEST(TermPrint, MatchesErlangW) {
  for (const auto& [value, text] : erl_w_table()) EXPECT_EQ(value.to_string(), text);
}

TEST(TermPrint, BinariesMatchErlangTp) {
  for (const auto& [value, text] : erl_p_binary_table()) EXPECT_EQ(value.to_string(), text);
}

TEST(TermPrint, OurOwnChoices) {
  // Latin-1 bytes that are not UTF-8 print as bytes (Erlang's ~p would print <<"é">>).
  EXPECT_EQ(otp::binary("\xE9").to_string(), "<<233>>");
  EXPECT_EQ(otp::binary("\xFF\xFE").to_string(), "<<255,254>>");
  // OTP 27 reserves maybe and else, so we quote them.
  EXPECT_EQ(term("maybe"_a).to_string(), "'maybe'");
  EXPECT_EQ(term("else"_a).to_string(), "'else'");
  // Erlang has no infinities or NaN.
  EXPECT_EQ(term(std::numeric_limits<double>::infinity()).to_string(), "inf");
  EXPECT_EQ(term(-std::numeric_limits<double>::infinity()).to_string(), "-inf");
  EXPECT_EQ(term(std::numeric_limits<double>::quiet_NaN()).to_string(), "nan");
  // Pids and references of other nodes show their node-table index.
  EXPECT_EQ(term::make_pid({3, 1, 2}).to_string(), "<3.1.2>");
  EXPECT_EQ(ref(2, {7}).to_string(), "#Ref<2.7>");
}

// A process prints on a fiber stack of a few hundred KiB; a term may nest a thousand levels when it
// comes from the wire and far more when built in code. Printing must not recurse per level.
TEST(TermPrint, ANestingFarDeeperThanAnyStackPrintsOnASmallThread) {
  constexpr int depth = 200000;
  term nested = otp::list(1);
  for (int i = 0; i < depth; ++i)
    nested = i % 3 == 0 ? otp::tuple(nested, 2) : i % 3 == 1 ? otp::list(nested) : otp::map({{1, nested}});
  std::string text;
  // A thread with a 64 KiB stack: a printer that recursed per level would need megabytes.
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  struct job {
    const term* value;
    std::string* out;
  } work{&nested, &text};
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attributes,
                [](void* arg) -> void* {
                  auto* w = static_cast<job*>(arg);
                  *w->out = w->value->to_string();
                  return nullptr;
                },
                &work),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
  std::string opening;
  std::string closing;
  for (int i = depth; i-- > 0;) {
    opening += i % 3 == 0 ? "{" : i % 3 == 1 ? "[" : "#{1 => ";
  }
  for (int i = 0; i < depth; ++i) closing += i % 3 == 0 ? ",2}" : i % 3 == 1 ? "]" : "}";
  EXPECT_TRUE(text == opening + "[1]" + closing) << "printed " << text.size() << " bytes";
}

// Reports show terms as OTP's logger does with depth and chars_limit: compounds deeper than the
// depth print as "...", and the text stops after its limit.
TEST(TermPrint, LimitsCutDeepCompoundsAndLongTexts) {
  const term nested = otp::tuple(1, otp::list(2, otp::tuple(3, otp::map({{4, otp::list(5)}}))), "x"_a);
  EXPECT_EQ(otp::to_string(nested, {}), nested.to_string());
  EXPECT_EQ(otp::to_string(nested, {.depth = 1}), "{1,...,x}");
  EXPECT_EQ(otp::to_string(nested, {.depth = 2}), "{1,[2,...],x}");
  EXPECT_EQ(otp::to_string(nested, {.depth = 4}), "{1,[2,{3,#{4 => ...}}],x}");
  EXPECT_EQ(otp::to_string(nested, {.depth = 0}), "...");
  EXPECT_EQ(otp::to_string(otp::list(1, 2), {.depth = 1}), "[1,2]");  // scalars are never cut by depth
  EXPECT_EQ(otp::to_string(nested, {.chars = 6}), "{1,[2,...");
  // The cut never splits a UTF-8 character.
  EXPECT_EQ(otp::to_string(otp::binary("héllo"), {.chars = 5}), "<<\"h...");
}

// A message of millions of elements costs a report its limit, and printing it whole costs memory
// in proportion to its text, not a multiple of it (the printer keeps one entry per open level).
TEST(TermPrint, AHugeListPrintsWithinTheLimitWithoutWalkingIt) {
  std::vector<term> elements(5'000'000, term(7));
  const term huge = term::make_list(std::move(elements));
  const auto started = std::chrono::steady_clock::now();
  const std::string text = otp::to_string(otp::tuple("big"_a, huge), otp::report_limits);
  EXPECT_LE(text.size(), otp::report_limits.chars + 3);
  EXPECT_EQ(text.substr(0, 9), "{big,[7,7");
  EXPECT_EQ(text.substr(text.size() - 3), "...");
  // Stopping at the limit is immediate; printing 5M elements would take far longer.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
}

TEST(TermPrint, StreamOperator) {
  std::ostringstream out;
  out << otp::tuple("ok"_a, otp::binary("x")) << ' ' << term(1.5);
  EXPECT_EQ(out.str(), "{ok,<<\"x\">>} 1.5");
}

// --- round trips ----------------------------------------------------------------------------------

TEST(TermRoundTrip, EveryTableEntryReadsBack) {
  for (const auto& [value, text] : erl_w_table()) EXPECT_EQ(parse_term(text), value) << text;
  for (const auto& [value, text] : erl_p_binary_table()) EXPECT_EQ(parse_term(text), value) << text;
  EXPECT_EQ(parse_term("<<233>>"), otp::binary("\xE9"));
}

// Random terms of every kind with a literal form.
class term_generator {
 public:
  explicit term_generator(unsigned seed) : random_(seed) {}

  term make(int depth) {
    switch (pick(depth > 0 ? 10 : 6)) {
      case 0: return term(static_cast<std::int64_t>(random_()));
      case 1: return term(static_cast<std::int64_t>(pick(2000)) - 1000);
      case 2: return random_float();
      case 3: return term(atom(atom_texts[pick(atom_texts.size())]));
      case 4: return random_binary();
      case 5: return pick(2) ? term::make_pid({0, pick(1000), pick(3)}) : random_reference();
      case 6: return term::make_tuple(elements(depth));
      case 7: return term::make_list(elements(depth), pick(4) == 0 ? make(depth - 1) : otp::nil());
      case 8: {
        std::vector<std::pair<term, term>> pairs;
        for (std::size_t n = pick(4); n > 0; --n) pairs.emplace_back(make(depth - 1), make(depth - 1));
        return term::make_map(std::move(pairs));
      }
      default: return otp::charlist("text\n");
    }
  }

 private:
  std::uint32_t pick(std::size_t bound) { return static_cast<std::uint32_t>(random_() % bound); }

  term random_float() {
    if (pick(2) == 0) return term((static_cast<double>(pick(2000000)) - 1000000) / 1000);
    while (true) {
      const double d = std::bit_cast<double>(random_());
      if (std::isfinite(d)) return term(d);
    }
  }
  term random_binary() {
    std::string bytes;
    const bool ascii = pick(2) == 0;
    for (std::size_t n = pick(6); n > 0; --n) bytes += static_cast<char>(ascii ? 32 + pick(95) : pick(256));
    if (pick(4) == 0) bytes += "日本";
    return otp::binary(bytes);
  }
  term random_reference() {
    std::vector<std::uint32_t> ids(1 + pick(5));
    for (auto& id : ids) id = static_cast<std::uint32_t>(random_());
    return term::make_reference(0, ids);
  }
  std::vector<term> elements(int depth) {
    std::vector<term> items;
    for (std::size_t n = pick(4); n > 0; --n) items.push_back(make(depth - 1));
    return items;
  }

  static constexpr std::array<const char*, 12> atom_texts = {
      "ok", "", "hello world", "Abc", "$gen_call", "case", "it's", "a\\b", "日本", "ñandú", "\n\x01", "maybe"};
  std::mt19937_64 random_;
};

TEST(TermRoundTrip, RandomTermsReadBack) {
  term_generator generator(20240601);
  for (int i = 0; i < 2000; ++i) {
    const term t = generator.make(4);
    const std::string text = t.to_string();
    EXPECT_EQ(parse_term(text), t) << text;
  }
}

TEST(TermRoundTrip, DeepNesting) {
  term t = term(1);
  for (std::size_t i = 0; i < otp::max_parse_depth; ++i)
    t = i % 3 == 0 ? otp::list(t) : i % 3 == 1 ? otp::tuple(t) : otp::map({{term(otp::atom("k")), t}});
  EXPECT_EQ(parse_term(t.to_string()), t);
  try {
    parse_term(otp::list(t).to_string());
    ADD_FAILURE() << "parsed a term nested " << otp::max_parse_depth + 1 << " deep";
  } catch (const term_parse_error& e) {
    EXPECT_NE(std::string(e.what()).find("nested deeper than 1000 levels"), std::string::npos) << e.what();
  }
}

// --- parsing ----------------------------------------------------------------------------------------

TEST(TermParse, Integers) {
  EXPECT_EQ(parse_term("0"), term(0));
  EXPECT_EQ(parse_term("-5"), term(-5));
  EXPECT_EQ(parse_term("16#FF"), term(255));
  EXPECT_EQ(parse_term("16#ff"), term(255));
  EXPECT_EQ(parse_term("-16#10"), term(-16));
  EXPECT_EQ(parse_term("2#1010"), term(10));
  EXPECT_EQ(parse_term("36#zZ"), term(1295));
  EXPECT_EQ(parse_term("9223372036854775807"), term(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(parse_term("-9223372036854775808"), term(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(parse_term("16#7FFFFFFFFFFFFFFF"), term(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(parse_term("-16#8000000000000000"), term(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(parse_term("007"), term(7));
}

TEST(TermParse, CharacterLiterals) {
  EXPECT_EQ(parse_term("$a"), term(97));
  EXPECT_EQ(parse_term("$ "), term(32));
  EXPECT_EQ(parse_term("$\\n"), term(10));
  EXPECT_EQ(parse_term("$\\s"), term(32));
  EXPECT_EQ(parse_term("$\\\\"), term(92));
  EXPECT_EQ(parse_term("$\\101"), term(65));
  EXPECT_EQ(parse_term("$\\400"), term(256));
  EXPECT_EQ(parse_term("$\\x41"), term(65));
  EXPECT_EQ(parse_term("$\\x{1F600}"), term(0x1F600));
  EXPECT_EQ(parse_term("$\\^a"), term(1));
  EXPECT_EQ(parse_term("$日"), term(0x65E5));
  EXPECT_EQ(parse_term("-$a"), term(-97));
}

TEST(TermParse, IntegersBeyond64BitsAreBigIntegers) {
  EXPECT_EQ(parse_term("9223372036854775808"), term(9223372036854775808ULL));
  EXPECT_TRUE(parse_term("9223372036854775808").is_big_integer());
  EXPECT_EQ(parse_term("-9223372036854775809").to_string(), "-9223372036854775809");
  EXPECT_EQ(parse_term("16#10000000000000000").to_string(), "18446744073709551616");
  EXPECT_EQ(parse_term("-2#1" + std::string(70, '0')).to_string(), "-1180591620717411303424");
  EXPECT_EQ(parse_term("[1, 99999999999999999999]")[1].to_string(), "99999999999999999999");
  EXPECT_EQ(parse_term("123456789012345678901234567890").to_string(), "123456789012345678901234567890");
  // A number beyond the limit of a term is refused before it is converted.
  try {
    parse_term("[1, " + std::string(6'000'000, '9') + "]");
    ADD_FAILURE() << "parsed an integer of 6 million digits";
  } catch (const term_parse_error& e) {
    EXPECT_STREQ(e.what(), "1:5: an integer of 6000000 digits is beyond the 16777216-bit limit of a term");
  }
}

TEST(TermParse, Floats) {
  EXPECT_EQ(parse_term("1.5"), term(1.5));
  EXPECT_EQ(parse_term("-2.0e-3"), term(-2.0e-3));
  EXPECT_EQ(parse_term("1.0E5"), term(1.0e5));
  EXPECT_EQ(parse_term("1.0e+5"), term(1.0e5));
  EXPECT_EQ(parse_term("5.0e-324"), term(5.0e-324));
  EXPECT_EQ(parse_term("0.1"), term(0.1));
  EXPECT_TRUE(std::signbit(parse_term("-0.0").as_float()));
  EXPECT_THROW(parse_term("1.0e400"), term_parse_error);
  EXPECT_THROW(parse_term("1.0e-400"), term_parse_error);
  EXPECT_THROW(parse_term("1e5"), term_parse_error);  // Erlang floats need a '.' and a digit
  EXPECT_THROW(parse_term(".5"), term_parse_error);
}

TEST(TermParse, Atoms) {
  EXPECT_EQ(parse_term("ok"), term("ok"_a));
  EXPECT_EQ(parse_term("a@b_C9"), term("a@b_C9"_a));
  EXPECT_EQ(parse_term("ñandú"), term("ñandú"_a));
  EXPECT_EQ(parse_term("'hello world'"), term("hello world"_a));
  EXPECT_EQ(parse_term("'it\\'s'"), term("it's"_a));
  EXPECT_EQ(parse_term("'\\x{65E5}\\x{672C}'"), term("日本"_a));
  EXPECT_EQ(parse_term("'tab\\there'"), term("tab\there"_a));
  EXPECT_EQ(parse_term("'case'"), term("case"_a));
  EXPECT_EQ(parse_term("''"), term(""_a));
  EXPECT_EQ(parse_term("true"), term(true));
}

TEST(TermParse, StringsAreCharlists) {
  EXPECT_EQ(parse_term("\"hi\""), otp::list(104, 105));
  EXPECT_EQ(parse_term("\"\""), otp::nil());
  EXPECT_EQ(parse_term("\"a\\tb\\\"\""), otp::list(97, 9, 98, 34));
  EXPECT_EQ(parse_term("\"日\""), otp::list(0x65E5));
  EXPECT_EQ(parse_term("\"\\s\\d\\e\\^G\\0\\12\""), otp::list(32, 127, 27, 7, 0, 10));
  EXPECT_EQ(parse_term("\"\\1234\""), otp::list(83, 52));  // at most three octal digits
  EXPECT_EQ(parse_term("\"line\nbreak\""), otp::charlist("line\nbreak"));
}

TEST(TermParse, Binaries) {
  EXPECT_EQ(parse_term("<<>>"), otp::binary(""));
  EXPECT_EQ(parse_term("<< >>"), otp::binary(""));
  EXPECT_EQ(parse_term("<<\"abc\">>"), otp::binary("abc"));
  EXPECT_EQ(parse_term("<<1,2,3>>"), otp::binary("\x01\x02\x03"));
  EXPECT_EQ(parse_term("<< \"a\" , 1 >>"), otp::binary("a\x01"));
  EXPECT_EQ(parse_term("<<$a,255,16#41>>"), otp::binary("a\xFF"
                                                        "A"));
  EXPECT_EQ(parse_term("<<\"é\">>"), otp::binary("\xE9"));  // Latin-1, as in Erlang
  EXPECT_EQ(parse_term("<<\"日本\"/utf8, 0>>"), otp::binary(std::string("日本\0", 7)));
  EXPECT_THROW(parse_term("<<256>>"), term_parse_error);
  EXPECT_THROW(parse_term("<<-1>>"), term_parse_error);
  EXPECT_THROW(parse_term("<<1.5>>"), term_parse_error);
  EXPECT_THROW(parse_term("<<a>>"), term_parse_error);
  EXPECT_THROW(parse_term("<<\"日\">>"), term_parse_error);
  EXPECT_THROW(parse_term("<<1:16>>"), term_parse_error);
}

TEST(TermParse, Compounds) {
  EXPECT_EQ(parse_term("{}"), otp::tuple());
  EXPECT_EQ(parse_term("{ a , { b } }"), otp::tuple("a"_a, otp::tuple("b"_a)));
  EXPECT_EQ(parse_term("[]"), otp::nil());
  EXPECT_EQ(parse_term("[ ]"), otp::nil());
  EXPECT_EQ(parse_term("[1, 2 | 3]"), term::make_list({1, 2}, term(3)));
  EXPECT_EQ(parse_term("[1 | [2, 3]]"), otp::list(1, 2, 3));
  EXPECT_EQ(parse_term("[1|[]]"), otp::list(1));
  EXPECT_EQ(parse_term("#{}"), otp::map({}));
  EXPECT_EQ(parse_term("#{a => 1, {b} => [2]}"), otp::map({{"a"_a, 1}, {otp::tuple("b"_a), otp::list(2)}}));
  EXPECT_EQ(parse_term("#{a => 1, a => 2}"), otp::map({{"a"_a, 2}}));  // as Erlang: the later key wins
  EXPECT_EQ(parse_term("#{k => #{k => #{}}}"), otp::map({{"k"_a, otp::map({{"k"_a, otp::map({})}})}}));
  EXPECT_EQ(parse_term("<0.85.0>"), term::make_pid({0, 85, 0}));
  EXPECT_EQ(parse_term("<4294967295.1.2>"), term::make_pid({4294967295U, 1, 2}));
  EXPECT_EQ(parse_term("#Ref<0.1.2.3>"), ref(0, {3, 2, 1}));
  EXPECT_EQ(parse_term("#Ref<1.9>"), ref(1, {9}));
}

TEST(TermParse, BlanksCommentsAndTrailingDot) {
  EXPECT_EQ(parse_term("  {1 , 2}  .  \n"), otp::tuple(1, 2));
  EXPECT_EQ(parse_term("% a comment\n{1, % inner\n 2}. % done"), otp::tuple(1, 2));
  EXPECT_EQ(parse_term("1."), term(1));
  EXPECT_EQ(parse_term("1.5."), term(1.5));
  EXPECT_EQ(parse_term("\t\r\nok\n"), term("ok"_a));
}

TEST(TermParse, ErrorsNameLineAndColumn) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{a, b x}", "1:7: expected ',' or '}' in tuple, got 'x'"},
      {"{1,\n  2,\n  x y}", "3:5: expected ',' or '}' in tuple, got 'y'"},
      {"{'日本', x y}", "1:10: expected ',' or '}' in tuple, got 'y'"},
      {"", "1:1: expected a term, got end of input"},
      {"   ", "1:4: expected a term, got end of input"},
      {"{1,2", "1:5: expected ',' or '}' in tuple, got end of input"},
      {"[1,2 3]", "1:6: expected ',', '|' or ']' in list, got '3'"},
      {"[1|2,3]", "1:5: expected ']' after the tail of a list, got ','"},
      {"#{a 1}", "1:5: expected '=>' after a map key, got '1'"},
      {"#{a => 1 b}", "1:10: expected ',' or '}' in map, got 'b'"},
      {"#[1]", "1:1: expected a term, got '#'"},
      {"<<1 2>>", "1:5: expected ',' or '>>' in binary, got '2'"},
      {"<<256>>", "1:3: a binary segment must be an integer 0..255 or a string, not 256"},
      {"<<\"日\">>", "1:3: a character above 255 does not fit in a byte; write <<\"...\"/utf8>> for UTF-8"},
      {"'abc", "1:1: unterminated quoted atom"},
      {"[\"abc", "1:2: unterminated string"},
      {"1 2", "1:3: expected end of input after the term, got '2'"},
      {"{1,2}. x", "1:8: expected end of input after the term, got 'x'"},
      {"1e5", "1:2: expected end of input after the term, got 'e5'"},
      {"Abc", "1:1: unexpected variable Abc; a term has no variables (write 'Abc' for an atom)"},
      {"[_]", "1:2: unexpected variable _; a term has no variables (write '_' for an atom)"},
      {"{case, 1}", "1:2: 'case' is a reserved word; quote it to write the atom"},
      {"-x", "1:2: expected a digit after '-', got 'x'"},
      {"37#1", "1:1: the base of an integer must be 2..36, not 37"},
      {"16#FG", "1:5: 'G' is not a base 16 digit"},
      {"16#", "1:4: expected a base 16 digit, got end of input"},
      {"'\\x{110000}'", "1:2: \\x{110000} is not a Unicode code point"},
      {"\"\\x{D800}\"", "1:2: \\x{D800} is not a Unicode code point"},
      {"\"\\xZ\"", "1:2: malformed \\x escape (write \\xHH or \\x{H...})"},
      {"$", "1:2: expected a character after '$', got end of input"},
      {"<0.1>", "1:5: expected '.' in pid, got '>'"},
      {"<0.1.99999999999>", "1:6: the serial of a pid 99999999999 does not fit in 32 bits"},
      {"#Ref<0>", "1:1: a reference has 1 to 5 id words, not 0"},
      {"#Ref<0.1.2.3.4.5.6>", "1:1: a reference has 1 to 5 id words, not 6"},
      {"\"\xFF\"", "1:2: invalid UTF-8"},
      {"\xFF", "1:1: expected a term, got a byte that is not UTF-8"},
      {"{1,\n", "2:1: expected a term, got end of input"},
      {"{1\n,x y}", "2:4: expected ',' or '}' in tuple, got 'y'"},
      {"{1 \n}x", "2:2: expected end of input after the term, got 'x'"},
      {"[1\n\n]]", "3:2: expected end of input after the term, got ']'"},
  };
  for (const auto& [text, message] : cases) {
    try {
      parse_term(text);
      ADD_FAILURE() << text << " parsed";
    } catch (const term_parse_error& e) {
      EXPECT_EQ(std::string(e.what()), message) << text;
    }
  }
}

TEST(TermParse, ErrorCarriesLineAndColumn) {
  try {
    parse_term("[1,\n 2,\n   ]");
    FAIL() << "parsed";
  } catch (const term_parse_error& e) {
    EXPECT_EQ(e.line, 3U);
    EXPECT_EQ(e.column, 4U);
    EXPECT_EQ(std::string(e.what()), "3:4: expected a term, got ']'");
  }
}

TEST(TermParse, AtomLimitsBecomeParseErrors) {
  EXPECT_EQ(parse_term("'" + std::string(255, 'x') + "'"), term(atom(std::string(255, 'x'))));
  try {
    parse_term("[ '" + std::string(256, 'x') + "']");
    FAIL() << "parsed";
  } catch (const term_parse_error& e) {
    EXPECT_EQ(e.column, 3U);
    EXPECT_NE(std::string(e.what()).find("atom too long"), std::string::npos) << e.what();
  }
}

}  // namespace
