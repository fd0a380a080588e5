#include "otp/external_format.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "otp/node_table.hpp"
#include "otp/term_text.hpp"

namespace otp::etf {
namespace {

// --- helpers ----------------------------------------------------------------------------------

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (char c : bytes) {
    hex.push_back(digits[static_cast<unsigned char>(c) >> 4]);
    hex.push_back(digits[static_cast<unsigned char>(c) & 0xF]);
  }
  return hex;
}

std::string from_hex(std::string_view hex) {
  const auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return bytes;
}

// Bytes written as a list of small numbers, e.g. bytes({131, 106}).
std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

void append_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

testing::AssertionResult same_term(const term& actual, const term& expected) {
  if (actual == expected) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "got " << actual.to_string() << ", expected " << expected.to_string();
}

// Runs decode() and returns the decode_error it throws (fails the test if it throws nothing).
std::optional<decode_error> decode_failure(std::string_view input) {
  try {
    const term t = decode(input);
    ADD_FAILURE() << "decoded " << t.to_string() << " from " << to_hex(input);
  } catch (const decode_error& e) {
    return e;
  }
  return std::nullopt;
}

std::string repeated(std::string_view piece, std::size_t times) {
  std::string s;
  for (std::size_t i = 0; i < times; ++i) s.append(piece);
  return s;
}

term integer_sequence(std::int64_t first, std::int64_t last) {
  std::vector<term> v;
  for (std::int64_t i = first; i <= last; ++i) v.emplace_back(i);
  return term::make_list(std::move(v));
}

term tuple_of(const term& list) {
  auto e = list.elements();
  return term::make_tuple({e.begin(), e.end()});
}

std::uint32_t remote_node() { return node_table::intern({atom("a@b"), 7}); }

const encode_options utf8_atoms{.atoms = atom_encoding::utf8};

// A term with one of every kind, nested.
term complex_term() {
  const std::uint32_t ids[] = {3, 2, 1};
  const term ref = term::make_reference(0, ids);
  const term pid = term::make_pid({remote_node(), 85, 1});
  return tuple(atom("$gen_call"), tuple(pid, term::make_list({atom("alias")}, ref)),
               map({{atom("key"), list(1, -1, 300, std::numeric_limits<std::int64_t>::min(), 1.5)},
                    {binary("k"), term::make_list({atom("h\xC3\xA9llo"), atom("\xE6\x97\xA5")}, atom("tail"))},
                    {term(4294967296LL), charlist("text")}}),
               binary(std::string("\0\x01\xFF", 3)), tuple(), map({}), nil());
}

// --- fixtures from a real erl (scripts/gen_etf_fixtures.escript) -------------------------------

struct erl_encoding {
  std::string latin1_atoms;  // term_to_binary(T)
  std::string utf8_atoms;    // term_to_binary(T, [{minor_version, 2}])
};

std::map<std::string, erl_encoding> load_fixtures() {
  std::ifstream in(OTP_TEST_DATA_DIR "/etf_fixtures.txt");
  EXPECT_TRUE(in) << "cannot open " << OTP_TEST_DATA_DIR "/etf_fixtures.txt";
  std::map<std::string, erl_encoding> fixtures;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with("%%")) continue;  // comments
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    fixtures[line.substr(0, tab1)] = {from_hex(line.substr(tab1 + 1, tab2 - tab1 - 1)),
                                      from_hex(line.substr(tab2 + 1))};
  }
  return fixtures;
}

// The fixture expressions, built again in C++.
std::vector<std::pair<std::string, term>> fixture_terms() {
  using limits = std::numeric_limits<std::int64_t>;
  const std::uint32_t ref_ids[] = {3, 2, 1};
  const std::uint32_t one_id[] = {1};
  const std::uint32_t five_ids[] = {1, 2, 3, 4, 5};
  const term local_ref = term::make_reference(0, ref_ids);
  const term pid_85 = term::make_pid({0, 85, 0});
  std::vector<std::pair<term, term>> squares;
  for (std::int64_t i = 1; i <= 32; ++i) squares.emplace_back(i, i * i);
  const term keys_of_every_kind = map({{1, atom("a")},
                                       {atom("a"), 1},
                                       {tuple(), atom("t")},
                                       {nil(), atom("n")},
                                       {binary(""), atom("b")},
                                       {list(1), atom("l")},
                                       {map({}), atom("m")},
                                       {1.5, atom("f")}});
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));

  return {
      {"0", 0},
      {"1", 1},
      {"255", 255},
      {"256", 256},
      {"-1", -1},
      {"-255", -255},
      {"-256", -256},
      {"2147483647", 2147483647},
      {"2147483648", 2147483648LL},
      {"-2147483648", -2147483648LL},
      {"-2147483649", -2147483649LL},
      {"4294967296", 4294967296LL},
      {"1099511627776", 1099511627776LL},
      {"72057594037927936", 72057594037927936LL},
      {"-72057594037927935", -72057594037927935LL},
      {"9223372036854775807", limits::max()},
      {"-9223372036854775807", -limits::max()},
      {"-9223372036854775808", limits::min()},
      {"0.0", 0.0},
      {"-0.0", -0.0},
      {"-1.5", -1.5},
      {"1.0e300", 1.0e300},
      {"3.141592653589793", 3.141592653589793},
      {"5.0e-324", std::numeric_limits<double>::denorm_min()},
      {"-1.7976931348623157e308", -std::numeric_limits<double>::max()},
      {"abc", atom("abc")},
      {"''", atom("")},
      {"'hello world'", atom("hello world")},
      {"'Quoted'", atom("Quoted")},
      {"'h\xC3\xA9llo'", atom("h\xC3\xA9llo")},
      {"'\xE6\x97\xA5\xE6\x9C\xAC'", atom("\xE6\x97\xA5\xE6\x9C\xAC")},
      {"true", true},
      {"'nonode@nohost'", atoms::nonode_nohost},
      {"list_to_atom(lists:duplicate(255, $a))", atom(std::string(255, 'a'))},
      {"list_to_atom(lists:duplicate(255, 233))", atom(repeated("\xC3\xA9", 255))},
      {"list_to_atom(lists:duplicate(100, 26085))", atom(repeated("\xE6\x97\xA5", 100))},
      {"<<>>", binary("")},
      {"<<\"hello\">>", binary("hello")},
      {"<<0,255,1>>", binary(std::string("\0\xFF\x01", 3))},
      {"list_to_binary(lists:seq(0, 255))", binary(all_bytes)},
      {"[]", nil()},
      {"[1,2,3]", list(1, 2, 3)},
      {"\"abc\"", charlist("abc")},
      {"[0,255]", list(0, 255)},
      {"[1,256]", list(1, 256)},
      {"[-1]", list(-1)},
      {"[a,b,c]", list(atom("a"), atom("b"), atom("c"))},
      {"[1,2|3]", term::make_list({1, 2}, 3)},
      {"[a|b]", term::make_list({atom("a")}, atom("b"))},
      {"[[]]", list(nil())},
      {"[<<\"x\">>,1.5]", list(binary("x"), 1.5)},
      {"[\"ab\"|\"cd\"]", term::make_list({charlist("ab")}, charlist("cd"))},
      {"[1|<<\"t\">>]", term::make_list({1}, binary("t"))},
      {"lists:seq(0, 255)", integer_sequence(0, 255)},
      {"lists:duplicate(300, 7)", term::make_list(std::vector<term>(300, term(7)))},
      {"{}", tuple()},
      {"{ok}", tuple(atoms::ok)},
      {"{ok,1}", tuple(atoms::ok, 1)},
      {"{a,{b,{c,{}}}}", tuple(atom("a"), tuple(atom("b"), tuple(atom("c"), tuple())))},
      {"list_to_tuple(lists:seq(1, 255))", tuple_of(integer_sequence(1, 255))},
      {"list_to_tuple(lists:seq(1, 256))", tuple_of(integer_sequence(1, 256))},
      {"list_to_tuple(lists:seq(1, 300))", tuple_of(integer_sequence(1, 300))},
      {"#{}", map({})},
      {"#{a => 1}", map({{atom("a"), 1}})},
      {"#{b => 1, a => 2}", map({{atom("b"), 1}, {atom("a"), 2}})},
      {"#{1.0 => a, 2 => b}", map({{1.0, atom("a")}, {2, atom("b")}})},
      {"#{{1.0} => a, {2} => b}", map({{tuple(1.0), atom("a")}, {tuple(2), atom("b")}})},
      {"#{[1|2.0] => a, [1|3] => b}",
       map({{term::make_list({1}, 2.0), atom("a")}, {term::make_list({1}, 3), atom("b")}})},
      {"#{<<\"k\">> => [1,2], {x} => #{nested => true}}",
       map({{binary("k"), list(1, 2)}, {tuple(atom("x")), map({{atom("nested"), true}})}})},
      {"#{1 => a, a => 1, {} => t, [] => n, <<>> => b, [1] => l, #{} => m, 1.5 => f}", keys_of_every_kind},
      {"maps:from_list([{I, I * I} || I <- lists:seq(1, 32)])", term::make_map(squares)},
      {"list_to_pid(\"<0.85.0>\")", pid_85},
      {"list_to_pid(\"<0.0.0>\")", term::make_pid({0, 0, 0})},
      {"list_to_ref(\"#Ref<0.1.2.3>\")", local_ref},
      {"binary_to_term(<<131,88,119,3,\"a@b\",0,0,0,85,0,0,0,1,0,0,0,7>>)", term::make_pid({remote_node(), 85, 1})},
      {"binary_to_term(<<131,90,0,1,119,3,\"a@b\",0,0,0,7,0,0,0,1>>)", term::make_reference(remote_node(), one_id)},
      {"binary_to_term(<<131,90,0,5,119,3,\"a@b\",0,0,0,7,0,0,0,1,0,0,0,2,0,0,0,3,0,0,0,4,0,0,0,5>>)",
       term::make_reference(remote_node(), five_ids)},
      {"{'$gen_call',{list_to_pid(\"<0.85.0>\"),[alias|list_to_ref(\"#Ref<0.1.2.3>\")]},{is_auth,'a@vm'}}",
       tuple(atoms::gen_call, tuple(pid_85, term::make_list({atoms::alias}, local_ref)),
             tuple(atom("is_auth"), atom("a@vm")))},
  };
}

TEST(ExternalFormatErlFixtures, EveryFixtureHasItsCppTerm) {
  const auto fixtures = load_fixtures();
  const auto terms = fixture_terms();
  std::map<std::string, term> by_expression(terms.begin(), terms.end());
  EXPECT_EQ(by_expression.size(), terms.size()) << "an expression is listed twice";
  for (const auto& [expression, encoding] : fixtures) {
    if (expression != "make_ref()") {
      EXPECT_TRUE(by_expression.contains(expression)) << "no C++ term for " << expression;
    }
  }
  for (const auto& [expression, value] : terms)
    EXPECT_TRUE(fixtures.contains(expression)) << "no fixture for " << expression << "; rerun the script";
}

TEST(ExternalFormatErlFixtures, EncodesByteForByteAsErl) {
  const auto fixtures = load_fixtures();
  for (const auto& [expression, value] : fixture_terms()) {
    const auto it = fixtures.find(expression);
    if (it == fixtures.end()) continue;
    EXPECT_EQ(to_hex(encode(value)), to_hex(it->second.latin1_atoms)) << expression;
    EXPECT_EQ(to_hex(encode(value, utf8_atoms)), to_hex(it->second.utf8_atoms)) << expression;
  }
}

TEST(ExternalFormatErlFixtures, DecodesWhatErlWrites) {
  const auto fixtures = load_fixtures();
  for (const auto& [expression, value] : fixture_terms()) {
    const auto it = fixtures.find(expression);
    if (it == fixtures.end()) continue;
    EXPECT_TRUE(same_term(decode(it->second.latin1_atoms), value)) << expression;
    EXPECT_TRUE(same_term(decode(it->second.utf8_atoms), value)) << expression;
  }
}

TEST(ExternalFormatErlFixtures, ErlMakeRefIsALocalReferenceThatReencodesIdentically) {
  const auto fixtures = load_fixtures();
  ASSERT_TRUE(fixtures.contains("make_ref()"));
  const erl_encoding& erl = fixtures.at("make_ref()");
  const term ref = decode(erl.latin1_atoms);
  ASSERT_TRUE(ref.is_reference());
  EXPECT_EQ(ref.reference_node(), node_table::local_index);  // nonode@nohost, creation 0
  EXPECT_EQ(ref.reference_ids().size(), 3u);
  EXPECT_EQ(to_hex(encode(ref)), to_hex(erl.latin1_atoms));
  EXPECT_EQ(to_hex(encode(ref, utf8_atoms)), to_hex(erl.utf8_atoms));
}

// Asks the installed erl, now, for encodings too big for the fixture file.
TEST(ExternalFormatErlFixtures, LiveErlAgreesOnLargeTerms) {
  if (std::system("command -v erl >/dev/null 2>&1") != 0) GTEST_SKIP() << "erl is not installed";
  const std::vector<std::pair<std::string, term>> cases = {
      {"[I rem 256 || I <- lists:seq(1, 70000)]",
       [] {
         std::vector<term> v;
         for (int i = 1; i <= 70000; ++i) v.emplace_back(i % 256);
         return term::make_list(std::move(v));
       }()},
      {"lists:duplicate(65535, $x)", charlist(std::string(65535, 'x'))},
      {"lists:duplicate(65536, $x)", charlist(std::string(65536, 'x'))},
      {"lists:foldl(fun(_, Acc) -> [Acc, {Acc}] end, [], lists:seq(1, 12))",
       [] {
         term acc = nil();
         for (int i = 1; i <= 12; ++i) acc = list(acc, tuple(acc));
         return acc;
       }()},
      {"lists:foldl(fun(_, Acc) -> [Acc] end, x, lists:seq(1, 900))",
       [] {
         term acc = atom("x");
         for (int i = 1; i <= 900; ++i) acc = list(acc);
         return acc;
       }()},
  };
  std::string program =
      "[io:format(\"~s ~s~n\", [binary:encode_hex(term_to_binary(T)), "
      "binary:encode_hex(term_to_binary(T, [{minor_version, 2}]))]) || T <- [";
  for (std::size_t i = 0; i < cases.size(); ++i) program += (i == 0 ? "" : ", ") + cases[i].first;
  program += "]], halt().";  // halt() flushes the output and is a second faster than init:stop()
  const std::string command = "erl -noshell -eval '" + program + "' 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe) << command;
  std::string output;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0;) output.append(buffer, n);
  std::istringstream lines(output);
  for (const auto& [expression, value] : cases) {
    std::string latin1_hex;
    std::string utf8_hex;
    ASSERT_TRUE(lines >> latin1_hex >> utf8_hex) << "erl said: " << output.substr(0, 2000);
    EXPECT_EQ(encode(value), from_hex(latin1_hex)) << expression;
    EXPECT_EQ(encode(value, utf8_atoms), from_hex(utf8_hex)) << expression;
    EXPECT_TRUE(same_term(decode(from_hex(latin1_hex)), value)) << expression;
  }
}

// --- round trips ------------------------------------------------------------------------------

void expect_round_trip(const term& t) {
  for (const encode_options& options : {encode_options{}, utf8_atoms}) {
    const std::string encoded = encode(t, options);
    const term decoded = decode(encoded);
    EXPECT_TRUE(same_term(decoded, t));
    EXPECT_EQ(to_hex(encode(decoded, options)), to_hex(encoded));
  }
}

TEST(ExternalFormatRoundTrip, EveryKind) {
  using limits = std::numeric_limits<std::int64_t>;
  for (std::int64_t i :
       std::initializer_list<std::int64_t>{limits::min(), limits::min() + 1, -4294967296LL, -2147483649LL,
                                           -2147483648LL, -1, 0, 255, 256, 2147483647, 2147483648LL, limits::max()})
    expect_round_trip(i);
  for (double f : {0.0, -0.0, 1.5, -1e-300, std::numeric_limits<double>::max()}) expect_round_trip(f);
  expect_round_trip(atom("plain"));
  expect_round_trip(atom("\xF0\x9F\x98\x80 emoji"));
  expect_round_trip(binary(std::string(300, 'b')));
  expect_round_trip(nil());
  expect_round_trip(list(1, atom("two"), 3.0));
  expect_round_trip(term::make_list({1, 2}, 3));
  expect_round_trip(term::make_list({atom("a")}, map({{1, 2}})));
  expect_round_trip(term::make_list({tuple()}, binary("tail")));
  expect_round_trip(charlist(std::string(65535, 'z')));
  expect_round_trip(tuple_of(integer_sequence(1, 1000)));
  expect_round_trip(complex_term());
}

TEST(ExternalFormatRoundTrip, ReferencesWithOneToFiveIdsOnAnyNode) {
  const std::uint32_t ids[] = {0xFFFFFFFF, 1, 2, 0x12345678, 9};
  for (std::uint32_t node : {node_table::local_index, remote_node(), node_table::intern({atom("x@y"), 0x7FFFFFFF})})
    for (std::size_t count = 1; count <= 5; ++count) {
      const term ref = term::make_reference(node, std::span(ids, count));
      expect_round_trip(ref);
      EXPECT_EQ(decode(encode(ref)).reference_node(), node);
    }
}

TEST(ExternalFormatRoundTrip, PidsOnAnyNode) {
  const std::uint32_t other = node_table::intern({atom("other@host"), 3});
  ASSERT_NE(other, node_table::local_index);
  for (const pid_parts parts : {pid_parts{0, 85, 0}, pid_parts{other, 1, 2}, pid_parts{remote_node(), 0xFFFFFFFF, 7}}) {
    const term pid = term::make_pid(parts);
    expect_round_trip(pid);
    const pid_parts back = decode(encode(pid)).as_pid();
    EXPECT_EQ(back.node, parts.node);
    EXPECT_EQ(back.id, parts.id);
    EXPECT_EQ(back.serial, parts.serial);
  }
  // The node's name and creation are on the wire, not its index.
  EXPECT_EQ(to_hex(encode(term::make_pid({other, 1, 2}), utf8_atoms)),
            "8358770a" + to_hex("other@host") + "000000010000000200000003");
}

TEST(ExternalFormatRoundTrip, ThisNodeIsIndexZeroWhateverItsName) {
  const node_identity saved = node_table::local_identity();
  node_table::set_local_identity({atom("me@host"), 42});
  const term pid = term::make_pid({node_table::local_index, 5, 6});
  const std::string encoded = encode(pid, utf8_atoms);
  EXPECT_EQ(to_hex(encoded), "83587707" + to_hex("me@host") + "00000005000000060000002a");
  EXPECT_EQ(decode(encoded).as_pid().node, node_table::local_index);
  // A pid of nonode@nohost is now another node's.
  EXPECT_NE(decode(bytes({131, 88, 119, 13}) + "nonode@nohost" + std::string(12, '\0')).as_pid().node,
            node_table::local_index);
  node_table::set_local_identity(saved);
}

term random_term(std::mt19937_64& rng, int depth) {
  const auto below = [&](std::uint64_t n) { return rng() % n; };
  static const char* const atom_texts[] = {"ok", "", "h\xC3\xA9llo", "\xE6\x97\xA5\xE6\x9C\xAC", "with space"};
  const std::uint32_t nodes[] = {node_table::local_index, remote_node()};
  const auto children = [&](std::size_t count) {
    std::vector<term> v;
    for (std::size_t i = 0; i < count; ++i) v.push_back(random_term(rng, depth - 1));
    return v;
  };
  switch (below(depth > 0 ? 11 : 7)) {
    case 0: {
      const std::int64_t interesting[] = {0, 255, 256, -1, 1LL << 31, -(1LL << 31) - 1, 1LL << 62};
      return below(2) ? term(interesting[below(7)]) : term(static_cast<std::int64_t>(rng()));
    }
    case 1: {
      const double f = std::bit_cast<double>(rng());
      return std::isfinite(f) ? term(f) : term(0.25);
    }
    case 2: return atom(atom_texts[below(5)]);
    case 3: {
      std::string b(below(12), '\0');
      for (char& c : b) c = static_cast<char>(rng());
      return binary(b);
    }
    case 4:
      return term::make_pid({nodes[below(2)], static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())});
    case 5: {
      const std::uint32_t ids[] = {static_cast<std::uint32_t>(rng()), 1, 2, 3, static_cast<std::uint32_t>(rng())};
      return term::make_reference(nodes[below(2)], std::span(ids, 1 + below(5)));
    }
    case 6: return below(2) ? nil() : charlist("chars");
    case 7: return term::make_tuple(children(below(5)));
    case 8: return term::make_list(children(below(5)));
    case 9: return term::make_list(children(1 + below(4)), random_term(rng, 0));
    default: {
      std::vector<std::pair<term, term>> pairs;
      for (std::size_t n = below(6); n > 0; --n)
        pairs.emplace_back(random_term(rng, depth - 1), random_term(rng, depth - 1));
      return term::make_map(std::move(pairs));
    }
  }
}

TEST(ExternalFormatRoundTrip, RandomTerms) {
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 2000; ++i) expect_round_trip(random_term(rng, 4));
}

TEST(ExternalFormatApi, DecodeOneReadsTermsOneAfterAnother) {
  std::string frame = "p";
  frame.push_back(static_cast<char>(version_magic));
  encode_append(frame, tuple(2, atom(""), term::make_pid({0, 1, 0})), utf8_atoms);
  frame.push_back(static_cast<char>(version_magic));
  const std::size_t message_at = frame.size();
  encode_append(frame, list(atom("hello")), utf8_atoms);

  std::size_t offset = 2;
  EXPECT_TRUE(same_term(decode_one(frame, offset), tuple(2, atom(""), term::make_pid({0, 1, 0}))));
  EXPECT_EQ(offset, message_at - 1);
  ++offset;
  EXPECT_TRUE(same_term(decode_one(frame, offset), list(atom("hello"))));
  EXPECT_EQ(offset, frame.size());

  std::size_t at_end = frame.size();
  EXPECT_THROW(decode_one(frame, at_end), decode_error);
  EXPECT_EQ(at_end, frame.size());  // unchanged on failure
  std::size_t beyond = frame.size() + 1;
  EXPECT_THROW(decode_one(frame, beyond), decode_error);
}

TEST(ExternalFormatApi, VersionByteIsOptional) {
  EXPECT_EQ(encode(atoms::ok), bytes({131, 100, 0, 2, 'o', 'k'}));
  EXPECT_EQ(encode(atoms::ok, {.version_byte = false}), bytes({100, 0, 2, 'o', 'k'}));
  std::string out = "xy";
  encode_append(out, atoms::ok, utf8_atoms);
  EXPECT_EQ(out, bytes({'x', 'y', 119, 2, 'o', 'k'}));
}

TEST(ExternalFormatApi, NonFiniteFloatsCannotBeEncoded) {
  EXPECT_THROW(encode(std::numeric_limits<double>::infinity()), bad_term);
  EXPECT_THROW(encode(list(std::numeric_limits<double>::quiet_NaN())), bad_term);
}

// A pid or reference read from text may name a node number no node owns (<4000.2.3>): encoding it
// fails, naming it, rather than writing it as some other node's.
TEST(ExternalFormatApi, APidOrReferenceOfANodeNumberNoNodeOwnsCannotBeEncoded) {
  const term pid = parse_term("<4000.2.3>");
  try {
    encode(tuple(atom("from"), pid));
    FAIL() << "encoded " << pid;
  } catch (const bad_term& e) {
    EXPECT_NE(std::string(e.what()).find("<4000.2.3>"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no node has number 4000"), std::string::npos) << e.what();
  }
  EXPECT_THROW(encode(parse_term("#Ref<4000.1.2.3>")), bad_term);
  EXPECT_EQ(decode(encode(parse_term("<0.2.3>"))), parse_term("<0.2.3>"));
}

TEST(ExternalFormatApi, DecodesOlderFormsAPeerMaySend) {
  // SMALL_ATOM_EXT with a Latin-1 byte becomes a UTF-8 atom.
  EXPECT_TRUE(same_term(decode(bytes({131, 115, 3, 'a', 'b', 0xE9})), atom("ab\xC3\xA9")));
  // LARGE_BIG_EXT within 64 bits, and bigs with zero high digits.
  EXPECT_TRUE(same_term(decode(bytes({131, 111, 0, 0, 0, 2, 1, 0x34, 0x12})), term(-0x1234)));
  EXPECT_TRUE(same_term(decode(bytes({131, 110, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})), term(1)));
  EXPECT_TRUE(same_term(decode(bytes({131, 110, 0, 1})), term(0)));
  // NEW_REFERENCE_EXT and PID_EXT, with 8-bit creations.
  const std::uint32_t ids[] = {1, 2};
  EXPECT_TRUE(same_term(decode(bytes({131, 114, 0, 2, 119, 3, 'a', '@', 'b', 7, 0, 0, 0, 1, 0, 0, 0, 2})),
                        term::make_reference(remote_node(), ids)));
  EXPECT_TRUE(same_term(decode(bytes({131, 103, 100, 0, 3, 'a', '@', 'b', 0, 0, 0, 85, 0, 0, 0, 1, 7})),
                        term::make_pid({remote_node(), 85, 1})));
  // BIT_BINARY_EXT of whole bytes is a binary; LIST_EXT of no elements is its tail.
  EXPECT_TRUE(same_term(decode(bytes({131, 77, 0, 0, 0, 1, 8, 0xFF})), binary("\xFF")));
  EXPECT_TRUE(same_term(decode(bytes({131, 108, 0, 0, 0, 0, 97, 1})), term(1)));
  // Lists written as nested tails are one flat list.
  EXPECT_TRUE(
      same_term(decode(bytes({131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 107, 0, 1, 3})), list(1, 2, 3)));
}

// --- hostile input ----------------------------------------------------------------------------

TEST(ExternalFormatHostile, EveryTruncationFails) {
  const std::string whole = encode(complex_term());
  for (std::size_t length = 0; length < whole.size(); ++length) {
    const std::string_view prefix(whole.data(), length);
    EXPECT_THROW(decode(prefix), decode_error) << length;
    std::size_t offset = 1;
    if (length >= 1) {
      EXPECT_THROW(decode_one(prefix, offset), decode_error) << length;
    }
  }
}

TEST(ExternalFormatHostile, ErrorsNameTheOffsetAndTheProblem) {
  auto e = decode_failure(bytes({131, 104, 2, 97, 1, 109, 0, 0, 3, 232, 'a', 'b', 'c'}));
  ASSERT_TRUE(e);
  EXPECT_STREQ(e->what(), "ETF: truncated BINARY_EXT at byte 5: length 1000 but 3 bytes remain");
  EXPECT_EQ(e->offset, 5u);

  e = decode_failure(bytes({131, 106, 0}));
  ASSERT_TRUE(e);
  EXPECT_STREQ(e->what(), "ETF: trailing bytes at byte 2: the term ends here but the input has 3 bytes");
  e = decode_failure("");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset, 0u);
  e = decode_failure(bytes({130, 106}));
  ASSERT_TRUE(e);
  EXPECT_STREQ(e->what(), "ETF: bad version byte at byte 0: expected 131, found 130");
  e = decode_failure(bytes({131, 111, 0x00, 0x40, 0x00, 0x01, 0}));
  ASSERT_TRUE(e);
  EXPECT_STREQ(
      e->what(),
      "ETF: too large LARGE_BIG_EXT at byte 1: an integer of 4194305 bytes, beyond the limit of 16777216 bits");
}

TEST(ExternalFormatHostile, UnsupportedAndUnknownTagsFail) {
  const std::pair<std::string, std::string> cases[] = {
      {bytes({131, 0}), "unknown tag 0"},
      {bytes({131, 255}), "unknown tag 255"},
      {bytes({131, 112, 0, 0, 0, 0}), "truncated NEW_FUN_EXT at byte 1"},
      {bytes({131, 117, 0, 0, 0, 0}), "FUN_EXT at byte 1: this obsolete encoding of funs is not supported"},
      {bytes({131, 113, 100, 0, 1, 'm'}), "truncated EXPORT_EXT"},
      {bytes({131, 113, 100, 0, 1, 'm', 100, 0, 1, 'f', 98, 0, 0, 1, 0}), "bad EXPORT_EXT at byte 1: arity 256"},
      {bytes({131, 113, 100, 0, 1, 'm', 97, 1}), "bad function in EXPORT_EXT at byte 6: expected an atom"},
      {bytes({131, 89, 100, 0, 1, 'n', 0, 0, 0, 1, 0, 0, 0}), "truncated NEW_PORT_EXT"},
      {bytes({131, 120}), "V4_PORT_EXT"},
      {bytes({131, 82, 0}), "ATOM_CACHE_REF"},
      {bytes({131, 80, 0, 0, 0, 1, 0}), "compressed terms are not supported"},
      {bytes({131, 99, '1'}), "FLOAT_EXT"},
      {bytes({131, 77, 0, 0, 0, 1, 9, 0xE0}), "bad BIT_BINARY_EXT"},
  };
  for (const auto& [input, expected] : cases) {
    const auto e = decode_failure(input);
    ASSERT_TRUE(e) << expected;
    EXPECT_NE(std::string(e->what()).find(expected), std::string::npos) << e->what();
  }
}

TEST(ExternalFormatHostile, HugeLengthFieldsFailWithoutTrustingThem) {
  const std::string ten_bytes(10, '\x6A');
  const std::string cases[] = {
      bytes({131, 108, 0xFF, 0xFF, 0xFF, 0xFF}) + ten_bytes,  // LIST_EXT
      bytes({131, 105, 0xFF, 0xFF, 0xFF, 0xFF}) + ten_bytes,  // LARGE_TUPLE_EXT
      bytes({131, 116, 0xFF, 0xFF, 0xFF, 0xFF}) + ten_bytes,  // MAP_EXT
      bytes({131, 116, 0, 0, 0, 6}) + ten_bytes,              // 6 pairs need 12 bytes
      bytes({131, 109, 0xFF, 0xFF, 0xFF, 0xFF}) + ten_bytes,  // BINARY_EXT
      bytes({131, 77, 0xFF, 0xFF, 0xFF, 0xFF, 8}) + ten_bytes,
      bytes({131, 107, 0xFF, 0xFF}) + ten_bytes,  // STRING_EXT
      bytes({131, 118, 0xFF, 0xFF}) + ten_bytes,  // ATOM_UTF8_EXT
      bytes({131, 100, 0xFF, 0xFF}) + ten_bytes,  // ATOM_EXT
      bytes({131, 111, 0xFF, 0xFF, 0xFF, 0xFF, 0}) + ten_bytes,
      bytes({131, 90, 0xFF, 0xFF, 119, 1, 'n', 0, 0, 0, 0}) + ten_bytes,  // 65535 reference ids
      bytes({131, 90, 0, 5, 119, 1, 'n', 0, 0, 0, 0, 0, 0, 0, 1}),        // 5 ids announced, 1 there
  };
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& input : cases) EXPECT_TRUE(decode_failure(input)) << to_hex(input);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

// Lists nested in lists, each announcing nearly all the remaining bytes as its elements: the
// announced counts must add up within the input, or decoding would reserve memory quadratic in it.
TEST(ExternalFormatHostile, NestedLengthClaimsCannotAddUp) {
  constexpr std::size_t total = 1 << 20;
  std::string input = bytes({131});
  while (input.size() + 5 < total / 2) {
    input.push_back(108);
    append_u32(input, static_cast<std::uint32_t>(total - input.size() - 5));  // all but the tail's byte
  }
  input.resize(total, '\x6A');
  const auto e = decode_failure(input);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset, 6u);  // the second list cannot fit beside the first one's elements
}

std::string nested_tuples(std::size_t depth) {
  std::string input = bytes({131});
  for (std::size_t i = 0; i < depth; ++i) input += bytes({104, 1});
  return input + bytes({106});
}

TEST(ExternalFormatHostile, NestingIsLimited) {
  EXPECT_NO_THROW(decode(nested_tuples(max_nesting_depth)));
  const auto e = decode_failure(nested_tuples(max_nesting_depth + 1));
  ASSERT_TRUE(e);
  EXPECT_NE(std::string(e->what()).find("nesting deeper than " + std::to_string(max_nesting_depth) + " levels"),
            std::string::npos)
      << e->what();
  EXPECT_EQ(e->offset, 1 + 2 * max_nesting_depth);

  std::string heads = bytes({131});  // [[[...]]]: lists as first elements nest
  for (std::size_t i = 0; i <= max_nesting_depth; ++i) heads += bytes({108, 0, 0, 0, 1});
  heads += std::string(max_nesting_depth + 2, '\x6A');
  const auto too_deep = decode_failure(heads);
  ASSERT_TRUE(too_deep);
  EXPECT_NE(std::string(too_deep->what()).find("nesting deeper"), std::string::npos) << too_deep->what();
}

TEST(ExternalFormatHostile, ListsChainedThroughTailsDoNotNest) {
  constexpr std::size_t length = 100000;
  std::string input = bytes({131});
  for (std::size_t i = 0; i < length; ++i) input += bytes({108, 0, 0, 0, 1, 97, 7});
  input += bytes({106});
  const term decoded = decode(input);
  EXPECT_TRUE(decoded.is_proper_list());
  EXPECT_EQ(decoded.size(), length);
}

TEST(ExternalFormatHostile, BadAtomsFail) {
  const std::pair<std::string, std::string> cases[] = {
      {bytes({131, 119, 2, 0xC0, 0x80}), "not valid UTF-8"},        // overlong
      {bytes({131, 119, 3, 0xED, 0xA0, 0x80}), "not valid UTF-8"},  // surrogate
      {bytes({131, 119, 4, 0xF5, 0x80, 0x80, 0x80}), "not valid UTF-8"},
      {bytes({131, 119, 1, 0x80}), "not valid UTF-8"},
      {bytes({131, 119, 2, 0xE6, 0x97}), "not valid UTF-8"},  // cut short
      {bytes({131, 100, 1, 0}) + std::string(256, 'a'), "atom too long"},
      {bytes({131, 118, 2, 0}) + repeated("\xC3\xA9", 256), "atom too long"},
      {bytes({131, 88, 97, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}), "bad node in NEW_PID_EXT"},
  };
  for (const auto& [input, expected] : cases) {
    const auto e = decode_failure(input);
    ASSERT_TRUE(e) << expected;
    EXPECT_NE(std::string(e->what()).find(expected), std::string::npos) << e->what();
  }
}

TEST(ExternalFormatHostile, ValuesAnOtpTermCannotHoldFail) {
  const std::pair<std::string, std::string> cases[] = {
      {bytes({131, 111, 0, 0x20, 0, 1, 0}) + std::string(0x200001, '\0'), "beyond the limit of 16777216 bits"},
      {bytes({131, 70, 0x7F, 0xF0, 0, 0, 0, 0, 0, 0}), "not finite"},
      {bytes({131, 70, 0x7F, 0xF8, 0, 0, 0, 0, 0, 1}), "not finite"},
      {bytes({131, 116, 0, 0, 0, 2, 97, 1, 97, 2, 97, 1, 97, 3}), "duplicate keys"},
      {bytes({131, 90, 0, 0, 119, 1, 'n', 0, 0, 0, 0}), "0 id words"},
      {bytes({131, 90, 0, 6, 119, 1, 'n', 0, 0, 0, 0}) + std::string(24, '\0'), "6 id words"},
  };
  for (const auto& [input, expected] : cases) {
    const auto e = decode_failure(input);
    ASSERT_TRUE(e) << expected;
    EXPECT_NE(std::string(e->what()).find(expected), std::string::npos) << e->what();
  }
  EXPECT_TRUE(same_term(decode(bytes({131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80})),
                        term(std::numeric_limits<std::int64_t>::min())));
}

// Random byte flips, truncations and insertions in valid encodings: each input gives a term or a
// decode_error, never a crash or another exception, and what decodes encodes and decodes again.
// 10000 mutations per atom encoding, so that each test stays fast in a sanitizer build.
void mutation_fuzz(const encode_options& options, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> seeds = {encode(complex_term(), options)};
  for (int i = 0; i < 8; ++i) seeds.push_back(encode(random_term(rng, 2), options));
  int decoded = 0;
  for (int iteration = 0; iteration < 10000; ++iteration) {
    std::string input = seeds[rng() % seeds.size()];
    for (std::uint64_t edits = 1 + rng() % 3; edits > 0; --edits) {
      const std::size_t at = rng() % input.size();
      switch (rng() % 4) {
        case 0: input[at] = static_cast<char>(rng()); break;
        case 1: input[at] = static_cast<char>(input[at] ^ (1 << (rng() % 8))); break;
        case 2: input.insert(at, 1, static_cast<char>(rng())); break;
        default: input.resize(std::max<std::size_t>(at, 1)); break;
      }
    }
    try {
      const term t = decode(input);
      ++decoded;
      ASSERT_TRUE(same_term(decode(encode(t, options)), t)) << to_hex(input);
    } catch (const decode_error&) {
    }
  }
  EXPECT_GT(decoded, 0);
}

TEST(ExternalFormatHostile, MutationFuzzLatin1Atoms) { mutation_fuzz({}, 7); }
TEST(ExternalFormatHostile, MutationFuzzUtf8Atoms) { mutation_fuzz(utf8_atoms, 8); }

}  // namespace
}  // namespace otp::etf
