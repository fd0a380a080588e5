// Tests of the C++ pattern-matching helpers (otp/match.hpp).
#include "otp/match.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "otp/term.hpp"
#include "otp/term_text.hpp"

namespace {

namespace pat = otp::pat;
using otp::atom;
using otp::match;
using otp::parse_term;
using otp::term;
using namespace otp::literals;

TEST(Match, LiteralAtomAndIntegerBinding) {
  std::int64_t n = 0;
  EXPECT_TRUE(match(parse_term("{increment, 3}"), pat::tuple("increment"_a, pat::bind(n))));
  EXPECT_EQ(n, 3);
  EXPECT_FALSE(match(parse_term("{decrement, 4}"), pat::tuple("increment"_a, pat::bind(n))));
  EXPECT_FALSE(match(parse_term("{increment, 4, 5}"), pat::tuple("increment"_a, pat::bind(n))));
  EXPECT_FALSE(match(parse_term("{increment, four}"), pat::tuple("increment"_a, pat::bind(n))));
  EXPECT_FALSE(match(parse_term("[increment, 4]"), pat::tuple("increment"_a, pat::bind(n))));
  EXPECT_EQ(n, 3);
}

TEST(Match, GenCallWithNestedTupleAndPid) {
  const term msg = parse_term("{'$gen_call', {<0.85.0>, #Ref<0.1.2.3>}, {get, key}}");
  term from_pid;
  term request;
  ASSERT_TRUE(match(
      msg, pat::tuple(otp::atoms::gen_call, pat::tuple(pat::bind(from_pid, pat::is_pid), pat::_), pat::bind(request))));
  EXPECT_EQ(from_pid, term::make_pid({0, 85, 0}));
  EXPECT_EQ(request, parse_term("{get, key}"));

  term from;
  EXPECT_TRUE(match(msg, pat::tuple(otp::atoms::gen_call, pat::bind(from), pat::_)));
  EXPECT_EQ(from, msg[1]);
  EXPECT_FALSE(match(parse_term("{'$gen_call', {self, tag}, x}"),
                     pat::tuple(otp::atoms::gen_call, pat::tuple(pat::is_pid, pat::_), pat::_)));
}

TEST(Match, BindingsAreWrittenOnlyWhenTheWholeMatchSucceeds) {
  std::int64_t a = -1;
  term b = term("untouched"_a);
  std::string s = "untouched";
  // The first elements match and would bind; the last one fails.
  EXPECT_FALSE(match(parse_term("{1, x, <<\"bytes\">>, wrong}"),
                     pat::tuple(pat::bind(a), pat::bind(b), pat::bind(s), "right"_a)));
  EXPECT_EQ(a, -1);
  EXPECT_EQ(b, term("untouched"_a));
  EXPECT_EQ(s, "untouched");
  EXPECT_TRUE(match(parse_term("{1, x, <<\"bytes\">>, right}"),
                    pat::tuple(pat::bind(a), pat::bind(b), pat::bind(s), "right"_a)));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, term("x"_a));
  EXPECT_EQ(s, "bytes");
}

TEST(Match, IntegerBindingsCheckTheRange) {
  std::uint8_t byte = 0;
  EXPECT_TRUE(match(term(200), pat::bind(byte)));
  EXPECT_EQ(byte, 200);
  EXPECT_FALSE(match(term(300), pat::bind(byte)));
  EXPECT_FALSE(match(term(-1), pat::bind(byte)));
  int small = 0;
  EXPECT_TRUE(match(term(-5), pat::bind(small)));
  EXPECT_EQ(small, -5);
  EXPECT_FALSE(match(term(std::int64_t{1} << 40), pat::bind(small)));
  std::uint64_t big = 0;
  EXPECT_TRUE(match(term(std::numeric_limits<std::int64_t>::max()), pat::bind(big)));
  EXPECT_EQ(big, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  EXPECT_FALSE(match(term(1.0), pat::bind(small)));  // a float is not an integer
}

TEST(Match, OtherBindingTypes) {
  double d = 0;
  EXPECT_TRUE(match(term(2.5), pat::bind(d)));
  EXPECT_EQ(d, 2.5);
  EXPECT_TRUE(match(term(3), pat::bind(d)));  // any number
  EXPECT_EQ(d, 3.0);
  EXPECT_FALSE(match(term("x"_a), pat::bind(d)));

  bool flag = false;
  EXPECT_TRUE(match(term(true), pat::bind(flag)));
  EXPECT_TRUE(flag);
  EXPECT_TRUE(match(term(false), pat::bind(flag)));
  EXPECT_FALSE(flag);
  EXPECT_FALSE(match(term("maybe"_a), pat::bind(flag)));
  EXPECT_FALSE(match(term(1), pat::bind(flag)));

  atom name = otp::atoms::undefined;
  EXPECT_TRUE(match(term("worker"_a), pat::bind(name)));
  EXPECT_EQ(name, "worker"_a);
  EXPECT_FALSE(match(otp::binary("worker"), pat::bind(name)));

  std::string bytes;
  EXPECT_TRUE(match(otp::binary(std::string("a\0b", 3)), pat::bind(bytes)));
  EXPECT_EQ(bytes, std::string("a\0b", 3));
  EXPECT_FALSE(match(otp::charlist("abc"), pat::bind(bytes)));  // a charlist is not a binary

  term anything;
  EXPECT_TRUE(match(otp::map({{1, 2}}), pat::bind(anything)));
  EXPECT_EQ(anything, otp::map({{1, 2}}));
}

TEST(Match, Literals) {
  EXPECT_TRUE(match(term("ok"_a), "ok"_a));
  EXPECT_FALSE(match(term("error"_a), "ok"_a));
  EXPECT_TRUE(match(term(3), 3));
  EXPECT_FALSE(match(term(3.0), 3));  // exact, as Erlang patterns
  EXPECT_FALSE(match(term(3), 3.0));
  EXPECT_TRUE(match(term(2.5), 2.5));
  EXPECT_TRUE(match(term(true), true));
  EXPECT_TRUE(match(parse_term("{reply, <<\"x\">>}"), pat::tuple("reply"_a, otp::binary("x"))));
  EXPECT_FALSE(match(parse_term("{reply, <<\"y\">>}"), pat::tuple("reply"_a, otp::binary("x"))));
  EXPECT_TRUE(match(otp::nil(), otp::nil()));
  EXPECT_TRUE(match(term(5), pat::_));
}

TEST(Match, Kinds) {
  EXPECT_TRUE(match(term(1), pat::is_integer));
  EXPECT_FALSE(match(term(1.0), pat::is_integer));
  EXPECT_TRUE(match(term(1.0), pat::is_float));
  EXPECT_TRUE(match(term(1), pat::is_number));
  EXPECT_TRUE(match(term("a"_a), pat::is_atom));
  EXPECT_TRUE(match(term::make_pid({0, 1, 0}), pat::is_pid));
  EXPECT_TRUE(match(parse_term("#Ref<0.1>"), pat::is_reference));
  EXPECT_TRUE(match(otp::tuple(), pat::is_tuple));
  EXPECT_TRUE(match(otp::nil(), pat::is_list));
  EXPECT_TRUE(match(otp::list(1), pat::is_list));
  EXPECT_TRUE(match(otp::map({}), pat::is_map));
  EXPECT_TRUE(match(otp::binary(""), pat::is_binary));
  EXPECT_FALSE(match(otp::binary(""), pat::is_list));
}

TEST(Match, Lists) {
  std::int64_t first = 0;
  term rest;
  EXPECT_TRUE(match(parse_term("[1, 2]"), pat::list(pat::bind(first), 2)));
  EXPECT_EQ(first, 1);
  EXPECT_FALSE(match(parse_term("[1, 2, 3]"), pat::list(pat::_, pat::_)));
  EXPECT_FALSE(match(parse_term("[1, 2 | 3]"), pat::list(pat::_, pat::_)));  // not a proper list
  EXPECT_FALSE(match(parse_term("{1, 2}"), pat::list(pat::_, pat::_)));
  EXPECT_TRUE(match(otp::nil(), pat::list()));
  EXPECT_FALSE(match(otp::list(1), pat::list()));

  EXPECT_TRUE(match(parse_term("[1, 2, 3]"), pat::cons(pat::bind(first), pat::bind(rest))));
  EXPECT_EQ(rest, otp::list(2, 3));
  EXPECT_TRUE(match(parse_term("[a | b]"), pat::cons("a"_a, pat::bind(rest))));
  EXPECT_EQ(rest, term("b"_a));
  EXPECT_TRUE(match(parse_term("[x]"), pat::cons("x"_a, otp::nil())));
  EXPECT_FALSE(match(otp::nil(), pat::cons(pat::_, pat::_)));
  EXPECT_TRUE(match(parse_term("[1, 2, 3]"), pat::cons(1, pat::cons(2, pat::list(3)))));
}

TEST(Match, Maps) {
  const term config = parse_term("#{name => <<\"worker\">>, size => 3, extra => true}");
  std::string name;
  std::int64_t size = 0;
  EXPECT_TRUE(match(config, pat::map(pat::key("name"_a, pat::bind(name)), pat::key("size"_a, pat::bind(size)))));
  EXPECT_EQ(name, "worker");
  EXPECT_EQ(size, 3);
  EXPECT_TRUE(match(config, pat::map()));
  EXPECT_FALSE(match(config, pat::map(pat::key("missing"_a, pat::_))));
  EXPECT_FALSE(match(config, pat::map(pat::key("size"_a, 4))));
  EXPECT_FALSE(match(otp::list(1), pat::map()));
  EXPECT_TRUE(match(parse_term("#{1 => a}"), pat::map(pat::key(1, "a"_a))));
  EXPECT_FALSE(match(parse_term("#{1.0 => a}"), pat::map(pat::key(1, "a"_a))));
}

TEST(Match, BindWholeAndParts) {
  term whole;
  std::int64_t x = 0;
  EXPECT_TRUE(match(parse_term("{point, 4}"), pat::bind(whole, pat::tuple("point"_a, pat::bind(x)))));
  EXPECT_EQ(whole, parse_term("{point, 4}"));
  EXPECT_EQ(x, 4);
  EXPECT_FALSE(match(parse_term("{line, 4}"), pat::bind(whole, pat::tuple("point"_a, pat::_))));
  EXPECT_EQ(whole, parse_term("{point, 4}"));
}

TEST(Match, BindingIntoTheMatchedTermIsSafe) {
  term msg = parse_term("{wrapper, {inner, <<\"payload\">>}, [1, 2]}");
  term list;
  ASSERT_TRUE(match(msg, pat::tuple("wrapper"_a, pat::bind(msg), pat::bind(list))));
  EXPECT_EQ(msg, parse_term("{inner, <<\"payload\">>}"));
  EXPECT_EQ(list, otp::list(1, 2));
}

TEST(Match, RightmostBindingWins) {
  std::int64_t v = 0;
  EXPECT_TRUE(match(parse_term("{1, 2}"), pat::tuple(pat::bind(v), pat::bind(v))));
  EXPECT_EQ(v, 2);
}

}  // namespace
