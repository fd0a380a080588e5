// The distribution protocol's pure parts: the cookie digest (vectors from erlang:md5 on OTP 25),
// handshake messages, mandatory flags, EPMD requests and answers, framing limits, buffer growth and
// malformed frames, the caps on pending handshakes, and the cookie file's rules (created 0400,
// refused when others may read it).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "dist/cookie.hpp"
#include "dist/digest.hpp"
#include "dist/epmd_client.hpp"
#include "dist/flags.hpp"
#include "dist/framing.hpp"
#include "dist/handshake.hpp"
#include "dist/pending_handshakes.hpp"
#include "dist_test_support.hpp"
#include "otp/external_format.hpp"
#include "otp/node.hpp"

namespace otp::dist_test {
namespace {

using namespace otp::detail::dist;

std::string hex(const digest& d) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char b : d) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

TEST(DistDigest, MatchesErlangMd5OfCookieThenDecimalChallenge) {
  // erlang:md5(["secret" | integer_to_list(12345)]) on OTP 25.
  EXPECT_EQ(hex(gen_digest(12345, "secret")), "D4047D3E56E6D6D63F7D16B85CD2FA88");
  // The challenge is unsigned: 4294967295, not -1.
  EXPECT_EQ(hex(gen_digest(4294967295u, "ABCDEFGHIJKLMNOPQRST")), "B115C6B11F3C31A86BCB9AADF6B1DC9A");
}

TEST(DistDigest, ComparisonIsExact) {
  const digest a = gen_digest(1, "c");
  digest b = a;
  EXPECT_TRUE(digests_equal(a, b));
  b[15] ^= 1;
  EXPECT_FALSE(digests_equal(a, b));
  b = a;
  b[0] ^= 0x80;
  EXPECT_FALSE(digests_equal(a, b));
}

TEST(DistHandshake, SendNameRoundTripsAndIgnoresTrailingBytes) {
  const std::string bytes = encode_send_name({flags::ours(false), 77, "a@127.0.0.1"});
  ASSERT_EQ(bytes[0], 'N');
  const send_name_message m = parse_send_name(bytes + "trailing");
  EXPECT_EQ(m.flags, flags::ours(false));
  EXPECT_EQ(m.creation, 77u);
  EXPECT_EQ(m.name, "a@127.0.0.1");
  EXPECT_EQ(packet2("abc"), std::string("\0\3abc", 5));
}

TEST(DistHandshake, GarbledMessagesAreRefusedWithAReason) {
  EXPECT_THROW(parse_send_name(""), handshake_error);
  EXPECT_THROW(parse_send_name("X1234567812345"), handshake_error);
  std::string truncated = encode_send_name({flags::ours(false), 1, "a@b"});
  truncated.pop_back();
  EXPECT_THROW(parse_send_name(truncated), handshake_error);
  EXPECT_THROW(parse_send_name(encode_send_name({flags::ours(false), 1, "nohost"})), handshake_error);
  EXPECT_THROW(parse_challenge_reply("r123"), handshake_error);
  EXPECT_THROW(parse_challenge_ack(std::string("a") + std::string(17, 'x')), handshake_error);
  EXPECT_THROW(parse_status("xok"), handshake_error);
}

TEST(DistHandshake, ErrorsQuoteOnlyAShortPrintableExcerptOfWhatThePeerSent) {
  EXPECT_EQ(quoted_excerpt("a@b"), "'a@b'");
  EXPECT_EQ(quoted_excerpt(std::string("a\n\0'", 4)), "'a\\x0a\\x00\\x27'");
  EXPECT_EQ(quoted_excerpt(std::string(100, 'x'), 3), "'xxx'...(100 bytes)");
  try {
    parse_send_name(encode_send_name({flags::ours(false), 1, std::string(60000, 'A')}));
    FAIL() << "a name without @ was accepted";
  } catch (const handshake_error& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u) << e.what();
  }
}

TEST(DistHandshake, ChallengeReplyAndAckRoundTrip) {
  const challenge_message c = parse_challenge(encode_challenge({flags::ours(true), 99, 5, "b@h"}));
  EXPECT_EQ(c.challenge, 99u);
  EXPECT_EQ(c.creation, 5u);
  EXPECT_EQ(c.flags & flags::published, 0u);
  const challenge_reply_message r = parse_challenge_reply(encode_challenge_reply({42, gen_digest(99, "k")}));
  EXPECT_EQ(r.challenge, 42u);
  EXPECT_TRUE(digests_equal(r.answer, gen_digest(99, "k")));
  EXPECT_TRUE(digests_equal(parse_challenge_ack(encode_challenge_ack(gen_digest(7, "k"))), gen_digest(7, "k")));
  EXPECT_EQ(parse_status(encode_status("ok_simultaneous")), "ok_simultaneous");
}

TEST(DistFlags, OursCarryOtp25MandatoryPlusUnlinkIdAndV4NcAndMonitors) {
  const std::uint64_t f = flags::ours(false);
  EXPECT_EQ(f & 0x1070F94, 0x1070F94u);
  EXPECT_NE(f & flags::mandatory_25_digest, 0u);
  EXPECT_NE(f & flags::unlink_id, 0u);
  EXPECT_NE(f & flags::v4_nc, 0u);
  EXPECT_EQ(f & (flags::dist_monitor | flags::dist_monitor_name), flags::dist_monitor | flags::dist_monitor_name);
  EXPECT_NE(f & flags::published, 0u);
  EXPECT_EQ(flags::ours(true) & flags::published, 0u);
  EXPECT_EQ(f & 0x802042, 0u) << "no atom cache, no fragments";
  EXPECT_EQ(missing_mandatory_flags(f), "");
  // A real OTP 25 node's send_name flags.
  EXPECT_EQ(missing_mandatory_flags(0xD07DF7FBDull), "");
  EXPECT_EQ(missing_mandatory_flags(flags::mandatory & ~flags::map_tag), "MAP_TAG");
  EXPECT_EQ(missing_mandatory_flags(flags::mandatory_25_digest), "") << "the digest bit stands for the set";
}

TEST(DistEpmd, RequestsAndAnswersHaveOtpsLayout) {
  const std::string alive2 = encode_alive2_request(0x1234, false, "abc");
  EXPECT_EQ(alive2, std::string("\0\x10"
                                "x\x12\x34M\0\0\6\0\6\0\3abc\0\0",
                                18));
  EXPECT_EQ(encode_alive2_request(1, true, "a")[5], 'H') << "hidden nodes register as type 72";
  EXPECT_EQ(parse_alive2_response(std::string("v\0\0\0\1\2", 6)), 0x102u);
  EXPECT_THROW(parse_alive2_response(std::string("v\1\0\0\0\0", 6)), epmd_error);
  EXPECT_EQ(encode_port_please2_request("abc"), std::string("\0\4zabc", 6));
  EXPECT_EQ(parse_port2_response(std::string("w\0\x12\x34M\0\0\6\0\5\0\1a\0\0", 16)), 0x1234);
  EXPECT_THROW(parse_port2_response(std::string("w\1", 2)), epmd_error);
  EXPECT_THROW(parse_port2_response("garbage"), epmd_error);
}

std::string frame_bytes(const term& control, const term* message) {
  std::string out;
  encode_frame(out, control, message);
  return out;
}

TEST(DistFraming, EncodesPassThroughFramesAsOtpDoes) {
  const term msg = atom("hi");
  const std::string f = frame_bytes(tuple(2, atom(""), 7), &msg);
  const std::string payload = f.substr(4);
  EXPECT_EQ(f.substr(0, 4), std::string("\0\0\0", 3) + static_cast<char>(payload.size()));
  EXPECT_EQ(payload[0], 'p');
  EXPECT_EQ(payload.substr(1), etf::encode(tuple(2, atom(""), 7), {.atoms = etf::atom_encoding::utf8}) +
                                   etf::encode(msg, {.atoms = etf::atom_encoding::utf8}));
  const control_frame decoded = decode_payload(payload);
  EXPECT_EQ(decoded.op(), 2);
  ASSERT_TRUE(decoded.message);
  EXPECT_EQ(*decoded.message, msg);
}

TEST(DistFraming, SplitterYieldsFramesAndTicksAcrossReadBoundaries) {
  frame_splitter s(1000);
  const term m = 1;
  const std::string stream = std::string(tick_frame) + frame_bytes(tuple(2, atom(""), 1), &m);
  std::vector<std::string> got;
  for (char c : stream) {  // one byte at a time
    *s.prepare(1) = c;
    s.commit(1);
    while (auto f = s.next()) got.emplace_back(f->payload);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].empty());
  EXPECT_EQ(decode_payload(got[1]).op(), 2);
}

// A frame over the message limit is read past, keeping only its first bytes, and the frames after
// it come through: the connection stays in step and up.
TEST(DistFraming, AFrameOverTheLimitIsReadPastKeepingOnlyItsControl) {
  const term big = binary(std::string(50'000, 'x'));
  const term small = 1;
  const std::string stream = frame_bytes(tuple(6, term::make_pid({0, 5, 0}), atom(""), atom("counter")), &big) +
                             frame_bytes(tuple(2, atom(""), 1), &small);
  frame_splitter s(10'000);
  std::vector<split_frame> got;
  std::vector<std::string> payloads;
  for (std::size_t at = 0; at < stream.size(); at += 1000) {  // reads of 1000 bytes
    const std::size_t n = std::min<std::size_t>(1000, stream.size() - at);
    std::copy(stream.data() + at, stream.data() + at + n, s.prepare(n));
    s.commit(n);
    while (auto f = s.next()) {
      got.push_back(*f);
      payloads.emplace_back(f->payload);
    }
    EXPECT_LE(s.capacity(), 64u * 1024) << "the oversized frame is never buffered";
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].dropped);
  EXPECT_EQ(got[0].length, stream.size() - 4 - (frame_bytes(tuple(2, atom(""), 1), &small).size()));
  EXPECT_EQ(payloads[0].size(), frame_splitter::dropped_prefix_size);
  std::size_t at = 2;
  EXPECT_EQ(etf::decode_one(payloads[0], at), tuple(6, term::make_pid({0, 5, 0}), atom(""), atom("counter")))
      << "the kept bytes hold the control message";
  EXPECT_FALSE(got[1].dropped);
  EXPECT_EQ(*decode_payload(payloads[1]).message, small);
}

TEST(DistFraming, AFrameAtTheLimitIsKept) {
  frame_splitter exact(100);
  const char ok[4] = {0, 0, 0, 100};
  std::copy(ok, ok + 4, exact.prepare(4));
  exact.commit(4);
  EXPECT_FALSE(exact.next().has_value()) << "100 bytes are allowed; waits for them";
}

TEST(DistFraming, TheBufferGrowsWithTheBytesThatArriveNotWithTheAnnouncedLength) {
  frame_splitter s(128u << 20);                                  // under the limit: kept, so buffered as it arrives
  const char header[4] = {0x07, static_cast<char>(0x80), 0, 0};  // 120 MiB announced
  std::copy(header, header + 4, s.prepare(4));
  s.commit(4);
  EXPECT_FALSE(s.next().has_value());
  std::size_t arrived = 4;
  for (int i = 0; i < 8; ++i) {  // 8 reads of 16 KiB
    s.prepare(16 * 1024);
    s.commit(16 * 1024);
    arrived += 16 * 1024;
    EXPECT_FALSE(s.next().has_value());
    EXPECT_LE(s.capacity(), arrived + 64 * 1024) << "room for " << s.capacity() << " bytes after " << arrived;
  }
}

TEST(DistPendingHandshakes, OverACapTheOldestPendingHandshakeIsEvicted) {
  pending_handshakes table(4, 2);
  std::vector<std::string> evicted;
  auto admit = [&](const std::string& address, const std::string& label) {
    return table.admit(address, [&evicted, label](const char*) { evicted.push_back(label); });
  };
  admit("10.0.0.1", "a1");
  const auto a2 = admit("10.0.0.1", "a2");
  admit("10.0.0.1", "a3");  // over the per-address cap: a1 goes
  EXPECT_EQ(evicted, std::vector<std::string>{"a1"});
  EXPECT_EQ(table.from("10.0.0.1"), 2u);
  admit("10.0.0.2", "b1");
  admit("10.0.0.3", "c1");
  EXPECT_EQ(evicted.size(), 1u) << "at the total cap, not over it";
  admit("10.0.0.4", "d1");  // over the total cap: the oldest of all (a2) goes
  EXPECT_EQ(evicted, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(table.size(), 4u);
  table.finish(a2);  // already evicted: ignored
  EXPECT_EQ(table.size(), 4u);
  table.evict_all();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(evicted.size(), 6u);
}

TEST(DistFraming, MalformedPayloadsAreRefused) {
  EXPECT_THROW(decode_payload("x"), frame_error);
  EXPECT_THROW(decode_payload(std::string("p\x83", 2)), frame_error);
  EXPECT_THROW(decode_payload(std::string("q\x83\x61\x01", 4)), frame_error);
  // A control that is not {Op, ...}.
  EXPECT_THROW(decode_payload("p" + etf::encode(atom("x"))), frame_error);
  EXPECT_THROW(decode_payload("p" + etf::encode(tuple(atom("x"), 1))), frame_error);
  // Truncated ETF, a message without its version byte, bytes after the message.
  std::string good = frame_bytes(tuple(2, atom(""), 1), nullptr).substr(4);
  EXPECT_THROW(decode_payload(good.substr(0, good.size() - 1)), frame_error);
  EXPECT_THROW(decode_payload(good + "\x61\x01"), frame_error);
  EXPECT_THROW(decode_payload(good + std::string("\x83\x61\x01\x00", 4)), frame_error);
  EXPECT_NO_THROW(decode_payload(good + "\x83\x61\x01"));
}

// A well-framed message holding a term over a limit (here tuples nested deeper than
// max_term_depth) is reported for the caller to drop; the control is kept, and nothing is thrown.
TEST(DistFraming, AMessageThatCannotBeRepresentedIsReportedNotThrown) {
  const std::string control = frame_bytes(tuple(6, term::make_pid({0, 5, 0}), atom(""), atom("counter")), nullptr);
  std::string too_deep = "\x83";
  for (std::size_t i = 0; i <= max_term_depth; ++i) too_deep += "\x68\x01";
  too_deep += "\x6a";
  const control_frame frame = decode_payload(control.substr(4) + too_deep);
  EXPECT_EQ(frame.op(), 6);
  EXPECT_FALSE(frame.message.has_value());
  EXPECT_NE(frame.undecodable_message.find("nesting deeper than 1000 levels"), std::string::npos)
      << frame.undecodable_message;
  // 2^64 is a term like any other.
  const std::string big = std::string("\x83\x6e\x09\x00", 4) + std::string(8, '\0') + "\x01";
  const control_frame with_big = decode_payload(control.substr(4) + big);
  ASSERT_TRUE(with_big.message.has_value());
  EXPECT_EQ(with_big.message->to_string(), "18446744073709551616");
  EXPECT_TRUE(decode_payload(control.substr(4) + std::string("\x83\x61\x01", 3)).undecodable_message.empty());
}

TEST(DistCookie, AMissingCookieFileIsCreatedOwnerReadOnlyWithARandomCookie) {
  temp_dir dir;
  const auto file = dir.path / ".erlang.cookie";
  const std::string cookie = node::read_cookie_file(file);
  EXPECT_EQ(cookie.size(), 20u);
  EXPECT_EQ(cookie.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0400u);
  EXPECT_EQ(node::read_cookie_file(file), cookie) << "read back, not replaced";
  temp_dir other;
  EXPECT_NE(node::read_cookie_file(other.path / "c"), cookie) << "random";
}

TEST(DistCookie, ACookieFileOthersMayReadIsRefusedWithAClearMessage) {
  temp_dir dir;
  const auto file = dir.path / ".erlang.cookie";
  std::ofstream(file) << "SECRET\n";
  ::chmod(file.c_str(), 0644);
  try {
    node::read_cookie_file(file);
    FAIL() << "a world-readable cookie file was accepted";
  } catch (const node::start_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("owner only"), std::string::npos) << e.what();
  }
  ::chmod(file.c_str(), 0440);
  EXPECT_THROW(node::read_cookie_file(file), node::start_error) << "group-readable";
  ::chmod(file.c_str(), 0400);
  EXPECT_EQ(node::read_cookie_file(file), "SECRET") << "first line, newline stripped";
}

TEST(DistCookie, StartReadsTheCookieFileWhenNoCookieIsGiven) {
  temp_dir dir;
  const auto file = dir.path / "cookie";
  std::ofstream(file) << "FROMFILE";
  ::chmod(file.c_str(), 0400);
  otp::runtime rt;
  node::options o;
  o.name = unique_node("c");
  o.cookie_file = file;
  node::start(o);
  EXPECT_EQ(node::cookie(), "FROMFILE");
  EXPECT_TRUE(node::alive());
  EXPECT_EQ(std::string(node::name().text()), o.name);
  node::stop();
  EXPECT_FALSE(node::alive());
  EXPECT_EQ(node::name(), atoms::nonode_nohost);
  ::chmod(file.c_str(), 0604);
  EXPECT_THROW(node::start(o), node::start_error);
  EXPECT_FALSE(node::alive());
}

}  // namespace
}  // namespace otp::dist_test
