// Tests of the term core: construction, value semantics, Erlang term order, equality and hashing,
// atoms, and list and map access.
#include "otp/term.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "otp/atom.hpp"
#include "otp/external_format.hpp"
#include "otp/term_text.hpp"

namespace {

using otp::atom;
using otp::bad_atom;
using otp::bad_term;
using otp::term;
using namespace otp::literals;

term ref(std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  const std::uint32_t ids[] = {a, b, c};
  return term::make_reference(0, ids);
}

// --- construction ---------------------------------------------------------------------------------

TEST(TermConstruction, ScalarsKeepTheirKindAndValue) {
  EXPECT_TRUE(term().is_nil());
  EXPECT_EQ(term(42).as_int(), 42);
  EXPECT_EQ(term(-7L).as_int(), -7);
  EXPECT_EQ(term(7LL).as_int(), 7);
  EXPECT_EQ(term(7U).as_int(), 7);
  EXPECT_EQ(term(std::numeric_limits<std::int64_t>::min()).as_int(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(term(2.5).as_float(), 2.5);
  EXPECT_EQ(term(3).as_float(), 3.0);  // integers convert
  EXPECT_TRUE(term(true).is_atom(otp::atoms::true_));
  EXPECT_TRUE(term(false).is_atom(otp::atoms::false_));
  EXPECT_EQ(term("ok"_a).as_atom(), otp::atoms::ok);
}

TEST(TermConstruction, UnsignedValuesAboveInt64MaxMakeBigIntegers) {
  const auto max = static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(term(max).as_int(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(term(static_cast<unsigned long>(max)).as_int(), std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(term(max + 1).is_big_integer());
  EXPECT_EQ(term(max + 1).to_string(), "9223372036854775808");
  EXPECT_EQ(term(static_cast<unsigned long>(max + 1)), term(max + 1));
  EXPECT_EQ(term(std::numeric_limits<unsigned long long>::max()).to_string(), "18446744073709551615");
  try {
    (void)term(max + 1).as_int();
    ADD_FAILURE() << "as_int on a big integer";
  } catch (const bad_term& e) {
    EXPECT_STREQ(e.what(), "expected an integer, got 9223372036854775808");
  }
}

TEST(TermConstruction, Helpers) {
  const term t = otp::tuple("increment"_a, 3);
  ASSERT_TRUE(t.is_tuple(2));
  EXPECT_EQ(t[0], term("increment"_a));
  EXPECT_EQ(t[1].as_int(), 3);

  const term l = otp::list(1, 2, 3);
  EXPECT_TRUE(l.is_list());
  EXPECT_TRUE(l.is_proper_list());
  EXPECT_EQ(l.size(), 3U);
  EXPECT_EQ(l[2].as_int(), 3);

  const term m = otp::map({{"a"_a, 1}, {"b"_a, 2}});
  EXPECT_TRUE(m.is_map());
  EXPECT_EQ(m.size(), 2U);

  EXPECT_EQ(otp::binary("bytes").as_binary(), "bytes");
  EXPECT_EQ(otp::binary(std::string("a\0b", 3)).as_binary().size(), 3U);
  EXPECT_EQ(otp::charlist("hi"), otp::list(104, 105));
  EXPECT_EQ(otp::charlist("hi").as_charlist(), "hi");
  EXPECT_EQ(otp::charlist(""), otp::nil());
  EXPECT_EQ(otp::list(1, 300).as_charlist(), std::nullopt);
  EXPECT_EQ(otp::list(), otp::nil());
  EXPECT_TRUE(otp::tuple().is_tuple(0));
}

TEST(TermConstruction, PidsAndReferences) {
  const term pid = term::make_pid({0, 85, 7});
  ASSERT_TRUE(pid.is_pid());
  EXPECT_EQ(pid.as_pid().node, 0U);
  EXPECT_EQ(pid.as_pid().id, 85U);
  EXPECT_EQ(pid.as_pid().serial, 7U);

  const std::uint32_t ids[] = {1, 2, 3, 4, 5, 6};
  const term r = term::make_reference(0, std::span(ids, 3));
  ASSERT_TRUE(r.is_reference());
  EXPECT_EQ(r.reference_node(), 0U);
  EXPECT_EQ(std::vector(r.reference_ids().begin(), r.reference_ids().end()), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_NO_THROW(term::make_reference(0, std::span(ids, 5)));
  EXPECT_THROW(term::make_reference(0, std::span(ids, 6)), bad_term);
  EXPECT_THROW(term::make_reference(0, std::span(ids, 0)), bad_term);
}

TEST(TermConstruction, WrongKindThrowsBadTerm) {
  EXPECT_THROW((void)term("ok"_a).as_int(), bad_term);
  EXPECT_THROW((void)term(1).as_atom(), bad_term);
  EXPECT_THROW((void)term(1).as_binary(), bad_term);
  EXPECT_THROW((void)term("x"_a).as_float(), bad_term);
  EXPECT_THROW((void)term(1).as_pid(), bad_term);
  EXPECT_THROW((void)otp::tuple(1, 2)[2], bad_term);
  EXPECT_THROW((void)term(1).find(term(1)), bad_term);
  EXPECT_THROW((void)term(1).reference_ids(), bad_term);
  try {
    (void)term("ok"_a).as_int();
  } catch (const bad_term& e) {
    EXPECT_STREQ(e.what(), "expected an integer, got ok");
  }
}

// --- value semantics ------------------------------------------------------------------------------

TEST(TermValueSemantics, CopiesShareTheHeapObject) {
  const term original = otp::tuple(1, otp::binary("payload"), otp::list(1, 2));
  const term copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy, original);
  EXPECT_EQ(copy.elements().data(), original.elements().data());
  EXPECT_EQ(copy[1].as_binary().data(), original[1].as_binary().data());
}

TEST(TermValueSemantics, MoveLeavesNilAndAssignmentReleases) {
  term a = otp::tuple(1, 2);
  term b = std::move(a);
  EXPECT_TRUE(a.is_nil());  // NOLINT(bugprone-use-after-move): moved-from terms are nil by contract
  EXPECT_EQ(b, otp::tuple(1, 2));

  term c = otp::list(otp::binary("x"));
  c = b;  // the old list is freed (ASan reports a leak otherwise)
  EXPECT_EQ(c, b);
  term& same = c;
  c = std::move(same);  // self-move keeps the value
  EXPECT_EQ(c, b);
  c = same;  // self-copy keeps the value
  EXPECT_EQ(c, b);
  c = term(5);
  EXPECT_EQ(c.as_int(), 5);
}

TEST(TermValueSemantics, SubtermsOutliveTheirParent) {
  term inner;
  {
    const term outer = otp::tuple(otp::list(otp::binary("keep me")), 2);
    inner = outer[0];
  }
  EXPECT_EQ(inner.head().as_binary(), "keep me");

  term rest;
  {
    const term l = otp::list(1, otp::binary("b"), 3);
    rest = l.tail();
  }
  EXPECT_EQ(rest, otp::list(otp::binary("b"), 3));
}

TEST(TermValueSemantics, CopiesMayBeMadeAndDroppedFromManyThreads) {
  const term shared = otp::tuple(otp::binary("shared"), otp::list(1, 2, 3), otp::map({{1, 2}}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&shared] {
      for (int i = 0; i < 10000; ++i) {
        const term copy = shared;
        const term element = copy[1];
        EXPECT_EQ(element.size(), 3U);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(shared[0].as_binary(), "shared");
}

// --- order ------------------------------------------------------------------------------------------

TEST(TermOrder, KindsOrderAsErlang) {
  // number < atom < reference < pid < tuple < map < nil < list < binary
  const std::vector<term> ascending = {term(1000000),  term("a"_a),  ref(1, 2, 3), term::make_pid({0, 1, 0}),
                                       otp::tuple(),   otp::map({}), otp::nil(),   otp::list(0),
                                       otp::binary("")};
  for (std::size_t i = 0; i < ascending.size(); ++i) {
    for (std::size_t j = 0; j < ascending.size(); ++j) {
      EXPECT_EQ(ascending[i] < ascending[j], i < j) << ascending[i] << " vs " << ascending[j];
      EXPECT_EQ(ascending[i] == ascending[j], i == j) << ascending[i] << " vs " << ascending[j];
    }
  }
}

// Pids, references and ports of other nodes, as an OTP 25 node orders them (each pair checked
// with `<` in a real erl on these same bytes): a pid by its serial, then its number, then its node;
// a reference and a port by their node first. global's lock ids rely on pids sorting alike on both
// sides.
TEST(TermOrder, PidsRefsAndPortsOfOtherNodesOrderAsErlang) {
  using namespace std::string_literals;
  auto pid = [](char node, char number, char serial) {
    return otp::etf::decode("\x83\x58\x64\x00\x01"s + node + "\0\0\0"s + number + "\0\0\0"s + serial + "\0\0\0\x01"s);
  };
  EXPECT_GT(pid('a', 9, 0), pid('b', 3, 0)) << "the number comes before the node";
  EXPECT_GT(pid('a', 3, 5), pid('a', 9, 0)) << "the serial comes before the number";
  EXPECT_LT(pid('a', 3, 0), pid('a', 9, 0));
  const term ref_a = otp::etf::decode(
      "\x83\x5a\x00\x01\x64\x00\x01"
      "a\0\0\0\x01\0\0\0\x09"s);
  const term ref_b = otp::etf::decode(
      "\x83\x5a\x00\x01\x64\x00\x01"
      "b\0\0\0\x01\0\0\0\x03"s);
  EXPECT_LT(ref_a, ref_b) << "a reference's node comes first";
  const term port_a = otp::etf::decode(
      "\x83\x59\x64\x00\x01"
      "a\0\0\0\x09\0\0\0\x01"s);
  const term port_b = otp::etf::decode(
      "\x83\x59\x64\x00\x01"
      "b\0\0\0\x03\0\0\0\x01"s);
  EXPECT_LT(port_a, port_b) << "a port's node comes first";
}

TEST(TermOrder, IntegersAndFloatsCompareByValueIntegerFirstWhenEqual) {
  EXPECT_LT(term(1), term(1.5));
  EXPECT_LT(term(1.5), term(2));
  EXPECT_GT(term(-1), term(-1.5));
  EXPECT_NE(term(1), term(1.0));  // == is exact equality (=:=)
  EXPECT_LT(term(1), term(1.0));
  EXPECT_GT(term(1.0), term(1));
  // As in OTP 25 (the erl the fixtures come from), 0.0 =:= -0.0, so they hash alike too.
  EXPECT_EQ(term(-0.0), term(0.0));
  EXPECT_EQ(term(-0.0).hash(), term(0.0).hash());
  // Beyond 2^53 the comparison stays exact: 2^53 + 1 is above the double 2^53.
  EXPECT_GT(term(std::int64_t{9007199254740993}), term(9007199254740992.0));
  EXPECT_LT(term(std::int64_t{9007199254740991}), term(9007199254740992.0));
  EXPECT_LT(term(std::numeric_limits<std::int64_t>::max()), term(1e19));
  EXPECT_GT(term(std::numeric_limits<std::int64_t>::min()), term(-1e19));
}

TEST(TermOrder, AtomsOrderByText) {
  const atom later("zz_order_test_b");
  const atom earlier("zz_order_test_a");  // interned second, sorts first
  EXPECT_LT(term(earlier), term(later));
  EXPECT_LT(earlier, later);
  EXPECT_LT(term("Z"_a), term("a"_a));
  EXPECT_LT(term("z"_a), term(atom("\xC3\xA9")));  // é (U+00E9) sorts after every ASCII letter
}

TEST(TermOrder, TuplesBySizeFirst) {
  EXPECT_LT(otp::tuple("z"_a), otp::tuple("a"_a, "a"_a));
  EXPECT_LT(otp::tuple(1, 2), otp::tuple(1, 3));
  EXPECT_LT(otp::tuple(1, 2, 3), otp::tuple(2, 0, 0));
  EXPECT_LT(otp::tuple(), otp::tuple(0));
}

TEST(TermOrder, MapsBySizeThenKeysThenValues) {
  EXPECT_LT(otp::map({{"z"_a, 9}}), otp::map({{"a"_a, 1}, {"b"_a, 1}}));  // size
  EXPECT_LT(otp::map({{"a"_a, 2}}), otp::map({{"b"_a, 1}}));              // keys before values
  // All keys are compared before any value: [a,b] < [a,c].
  EXPECT_LT(otp::map({{"a"_a, 9}, {"b"_a, 9}}), otp::map({{"a"_a, 0}, {"c"_a, 0}}));
  EXPECT_LT(otp::map({{"a"_a, 1}, {"b"_a, 3}}), otp::map({{"a"_a, 2}, {"b"_a, 1}}));
  // Keys 1 and 1.0 are different keys; the integer sorts first.
  EXPECT_LT(otp::map({{1, 0}}), otp::map({{1.0, 0}}));
}

TEST(TermOrder, ListsElementByElementIncludingImproperTails) {
  EXPECT_LT(otp::nil(), otp::list(1));
  EXPECT_LT(otp::list(1, 2), otp::list(1, 3));
  EXPECT_LT(otp::list(1), otp::list(1, 2));
  EXPECT_LT(otp::list(2), otp::list(1, 2, 3).tail().tail());  // [2] < [3]
  // [1|2] vs [1,2]: after 1 comes 2 vs [2], and a number sorts before a list.
  EXPECT_LT(term::make_list({1}, term(2)), otp::list(1, 2));
  EXPECT_LT(term::make_list({1, 2}, term(3)), otp::list(1, 2, 3));
  EXPECT_LT(term::make_list({1}, term(2)), term::make_list({1}, term("a"_a)));
  EXPECT_GT(term::make_list({1, 2}, otp::binary("")), otp::list(1, 2, 3));
}

TEST(TermOrder, BinariesBytewiseUnsigned) {
  EXPECT_LT(otp::binary(""), otp::binary(std::string(1, '\0')));
  EXPECT_LT(otp::binary("a"), otp::binary("ab"));
  EXPECT_LT(otp::binary("ab"), otp::binary("b"));
  EXPECT_LT(otp::binary("\x7f"), otp::binary("\x80"));
  EXPECT_LT(otp::binary("\x80"), otp::binary("\xff"));
}

TEST(TermOrder, PidsAndReferences) {
  // As erl answers c:pid(0,1,9) < c:pid(0,2,0): false (the serial counts first).
  EXPECT_GT(term::make_pid({0, 1, 9}), term::make_pid({0, 2, 0}));
  EXPECT_LT(term::make_pid({0, 1, 0}), term::make_pid({0, 1, 1}));
  EXPECT_LT(term::make_pid({0, 1, 0}), term::make_pid({0, 2, 0}));
  // Reference words compare from the last (most significant) one.
  EXPECT_LT(ref(9, 9, 1), ref(0, 0, 2));
  EXPECT_EQ(ref(1, 2, 3), ref(1, 2, 3));
}

TEST(TermOrder, SortingIsConsistent) {
  std::vector<term> terms = {otp::binary("b"), otp::list(1), term(2.0),   term("b"_a),  otp::tuple(1),   term(2),
                             otp::nil(),       term(1.5),    term("a"_a), otp::map({}), otp::binary("a")};
  std::sort(terms.begin(), terms.end());
  EXPECT_EQ(term::make_list(terms).to_string(), "[1.5,2,2.0,a,b,{1},#{},[],[1],<<\"a\">>,<<\"b\">>]");
}

// --- equality and hashing ---------------------------------------------------------------------------

TEST(TermHash, EqualTermsHashEqual) {
  const std::vector<std::pair<term, term>> equal_pairs = {
      {otp::list(1, 2, 3), term::make_list({1}, otp::list(2, 3))},
      {otp::list(2, 3), otp::list(1, 2, 3).tail()},
      {otp::list(3), otp::list(1, 2, 3).tail().tail()},
      {otp::map({{"a"_a, 1}, {"b"_a, 2}}), otp::map({{"b"_a, 2}, {"a"_a, 1}})},
      {otp::tuple(otp::binary("x"), 1.5), otp::tuple(otp::binary("x"), 1.5)},
      {ref(1, 2, 3), ref(1, 2, 3)},
      {term::make_pid({0, 3, 4}), term::make_pid({0, 3, 4})},
      {otp::charlist("ab"), otp::list(97, 98)},
  };
  for (const auto& [a, b] : equal_pairs) {
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.hash(), b.hash()) << a;
  }
}

TEST(TermHash, UsableInUnorderedSet) {
  std::unordered_set<term, otp::term_hash> set;
  set.insert(otp::list(1, 2, 3));
  set.insert(term::make_list({1, 2}, otp::list(3)));
  set.insert(otp::list(0, 1, 2, 3).tail());
  set.insert(term(1));
  set.insert(term(1.0));
  set.insert(term("a"_a));
  set.insert(otp::binary("a"));
  set.insert(otp::binary("a"));
  EXPECT_EQ(set.size(), 5U);
  EXPECT_TRUE(set.contains(otp::list(1, 2, 3)));
  EXPECT_TRUE(set.contains(term(1.0)));
  EXPECT_FALSE(set.contains(term(2)));
}

// --- atoms ------------------------------------------------------------------------------------------

TEST(Atoms, InterningGivesTheSameIndex) {
  EXPECT_EQ(atom("some_atom").index(), atom("some_atom").index());
  EXPECT_NE(atom("some_atom").index(), atom("some_other_atom").index());
  EXPECT_EQ(atom("some_atom").text(), "some_atom");
  EXPECT_EQ(atom("ok"), otp::atoms::ok);
  EXPECT_EQ(otp::atoms::gen_call.text(), "$gen_call");
  EXPECT_EQ(otp::atoms::exit_.text(), "EXIT");
  EXPECT_EQ(atom("").text(), "");
}

TEST(Atoms, TextsThatLookAlikeToTheRecentAtomsCacheStayApart) {
  // Same length, first, middle and last character: one slot of a thread's recent-atoms cache.
  const atom first("axxb");
  const atom second("ayxb");
  EXPECT_NE(first, second);
  EXPECT_EQ(atom("axxb"), first);
  EXPECT_EQ(atom("ayxb"), second);
  EXPECT_EQ(atom("axxb").text(), "axxb");
  EXPECT_EQ(atom("ayxb").text(), "ayxb");
  EXPECT_THROW(atom("a\xFFxb"), bad_atom);  // a miss is still checked
}

TEST(Atoms, ExistsDoesNotCreate) {
  EXPECT_FALSE(atom::exists("atom_that_was_never_made_by_anyone"));
  EXPECT_FALSE(atom::exists("atom_that_was_never_made_by_anyone"));
  (void)atom("atom_made_now");
  EXPECT_TRUE(atom::exists("atom_made_now"));
}

TEST(Atoms, AtMost255Characters) {
  EXPECT_NO_THROW(atom(std::string(255, 'x')));
  EXPECT_THROW(atom(std::string(256, 'x')), bad_atom);
  std::string e_acute_255;
  for (int i = 0; i < 255; ++i) e_acute_255 += "\xC3\xA9";
  EXPECT_NO_THROW(atom{e_acute_255});  // 510 bytes, 255 characters
  EXPECT_THROW(atom(e_acute_255 + "x"), bad_atom);
}

TEST(Atoms, MalformedUtf8IsRejected) {
  EXPECT_THROW(atom("\xFF"), bad_atom);
  EXPECT_THROW(atom("a\xC3"), bad_atom);              // truncated
  EXPECT_THROW(atom("\x80"), bad_atom);               // continuation without lead
  EXPECT_THROW(atom("\xC0\x80"), bad_atom);           // overlong NUL
  EXPECT_THROW(atom("\xE0\x80\xAF"), bad_atom);       // overlong '/'
  EXPECT_THROW(atom("\xED\xA0\x80"), bad_atom);       // surrogate U+D800
  EXPECT_THROW(atom("\xF4\x90\x80\x80"), bad_atom);   // U+110000
  EXPECT_NO_THROW(atom("\xF0\x9F\x98\x80"));          // U+1F600
  EXPECT_NO_THROW(atom("\xE6\x97\xA5\xE6\x9C\xAC"));  // 日本
}

TEST(Atoms, ConcurrentInterningAgrees) {
  constexpr int thread_count = 8;
  constexpr int names = 500;
  std::vector<std::vector<std::uint32_t>> indices(thread_count, std::vector<std::uint32_t>(names));
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back([t, &indices] {
      for (int i = 0; i < names; ++i) {
        const int n = (i * 7 + t * 13) % names;  // each thread in its own order
        const atom a("concurrent_atom_" + std::to_string(n));
        indices[static_cast<std::size_t>(t)][static_cast<std::size_t>(n)] = a.index();
        EXPECT_EQ(a.text(), "concurrent_atom_" + std::to_string(n));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 1; t < thread_count; ++t) EXPECT_EQ(indices[static_cast<std::size_t>(t)], indices[0]);
  std::vector<std::uint32_t> sorted = indices[0];
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
}

// --- lists and maps ---------------------------------------------------------------------------------

TEST(TermLists, HeadTailAndListTail) {
  const term l = otp::list(1, 2, 3);
  EXPECT_EQ(l.head().as_int(), 1);
  EXPECT_EQ(l.tail(), otp::list(2, 3));
  EXPECT_EQ(l.tail().head().as_int(), 2);
  EXPECT_EQ(l.tail().size(), 2U);
  EXPECT_TRUE(l.tail().tail().tail().is_nil());
  EXPECT_TRUE(l.list_tail().is_nil());

  const term improper = term::make_list({1, 2}, term("end"_a));
  EXPECT_FALSE(improper.is_proper_list());
  EXPECT_TRUE(improper.is_list());
  EXPECT_EQ(improper.size(), 2U);
  EXPECT_EQ(improper.list_tail(), term("end"_a));
  EXPECT_EQ(improper.tail().tail(), term("end"_a));
  EXPECT_EQ(improper.tail().list_tail(), term("end"_a));
  EXPECT_EQ(improper.as_charlist(), std::nullopt);

  EXPECT_TRUE(otp::nil().list_tail().is_nil());
  EXPECT_TRUE(otp::nil().is_proper_list());
  EXPECT_THROW((void)otp::nil().head(), bad_term);
  EXPECT_THROW((void)otp::nil().tail(), bad_term);
  EXPECT_THROW((void)term(1).list_tail(), bad_term);
  // An empty element vector gives back the tail itself.
  EXPECT_EQ(term::make_list({}, term(5)), term(5));
}

TEST(TermMaps, FindAndDuplicateKeys) {
  const term m = otp::map({{"a"_a, 1}, {"b"_a, 2}, {"a"_a, 3}, {1, "int"_a}, {1.0, "float"_a}});
  EXPECT_EQ(m.size(), 4U);
  ASSERT_NE(m.find(term("a"_a)), nullptr);
  EXPECT_EQ(m.find(term("a"_a))->as_int(), 3);  // the later duplicate wins
  EXPECT_EQ(*m.find(term(1)), term("int"_a));
  EXPECT_EQ(*m.find(term(1.0)), term("float"_a));
  EXPECT_EQ(m.find(term("c"_a)), nullptr);
  EXPECT_EQ(m.find(term(2)), nullptr);
  // Pairs are sorted by key in term order.
  const auto pairs = m.map_pairs();
  for (std::size_t i = 1; i < pairs.size(); ++i) EXPECT_LT(pairs[i - 1].first, pairs[i].first);
  EXPECT_EQ(otp::map({}).find(term(1)), nullptr);
}

}  // namespace

namespace otp_test_assignment {
using otp::term;

// A term assigned one of its own elements: the compound it releases holds the source.
TEST(TermAssignment, AssigningAnElementOfItselfKeepsTheElement) {
  term t = otp::tuple(otp::atom("ok"), otp::tuple(1, otp::binary("payload that lives on the heap")));
  t = t[1];
  EXPECT_EQ(t, otp::tuple(1, otp::binary("payload that lives on the heap")));
  t = t[1];
  EXPECT_EQ(t, otp::binary("payload that lives on the heap"));
  term list = otp::list(otp::list(otp::atom("inner")));
  list = list.head();
  EXPECT_EQ(list, otp::list(otp::atom("inner")));
}
}  // namespace otp_test_assignment
