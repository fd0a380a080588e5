// Fuzz target: the distribution handshake's messages. The input is read as a peer's {packet,2}
// stream (2-byte big-endian length, payload; a last incomplete packet is taken as it is), and
// every packet goes through every parser (send_name, status, challenge, challenge_reply,
// challenge_ack) and quoted_excerpt, as any of them may meet any bytes.
// Invariants: a parsed message encodes back to the bytes it came from (send_name: a prefix, as
// trailing bytes are ignored); a parsed name is a node name (Name@Host, at most 255 bytes);
// packet2 frames a payload as the reader cuts it; an excerpt is printable ASCII.
// Anything else than a handshake_error is a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dist/handshake.hpp"
#include "fuzz_check.hpp"

namespace {

namespace dist = otp::detail::dist;

void check_node_name(const std::string& name) {
  const auto at = name.find('@');
  otp::fuzz::require(at != std::string::npos && at != 0 && name.back() != '@' && name.size() <= 255,
                     "a parsed name is Name@Host of at most 255 bytes");
}

template <typename Parse, typename Check>
void try_parse(Parse parse, Check check) {
  try {
    check(parse());
  } catch (const dist::handshake_error&) {
  }
}

void parse_every_way(std::string_view payload) {
  try_parse([&] { return dist::parse_send_name(payload); },
            [&](const dist::send_name_message& m) {
              check_node_name(m.name);
              otp::fuzz::require(payload.starts_with(dist::encode_send_name(m)), "send_name round-trips");
            });
  try_parse([&] { return dist::parse_status(payload); },
            [&](const std::string& status) {
              otp::fuzz::require(dist::encode_status(status) == payload, "status round-trips");
            });
  try_parse([&] { return dist::parse_challenge(payload); },
            [&](const dist::challenge_message& m) {
              check_node_name(m.name);
              otp::fuzz::require(payload.starts_with(dist::encode_challenge(m)), "challenge round-trips");
            });
  try_parse([&] { return dist::parse_challenge_reply(payload); },
            [&](const dist::challenge_reply_message& m) {
              otp::fuzz::require(dist::encode_challenge_reply(m) == payload, "challenge_reply round-trips");
            });
  try_parse([&] { return dist::parse_challenge_ack(payload); },
            [&](const dist::digest& d) {
              otp::fuzz::require(dist::encode_challenge_ack(d) == payload, "challenge_ack round-trips");
            });
  for (const char c : dist::quoted_excerpt(payload))
    otp::fuzz::require(c >= 0x20 && c < 0x7f, "an excerpt is printable ASCII");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view stream = otp::fuzz::bytes_of(data, size);
  while (stream.size() >= 2) {
    const std::size_t length =
        (std::size_t{static_cast<unsigned char>(stream[0])} << 8) | static_cast<unsigned char>(stream[1]);
    const std::string_view payload = stream.substr(2, length);
    if (payload.size() == length)
      otp::fuzz::require(dist::packet2(payload) == stream.substr(0, 2 + length), "packet2 frames a payload");
    parse_every_way(payload);
    stream.remove_prefix(2 + payload.size());
  }
  return 0;
}
