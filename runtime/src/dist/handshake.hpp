// handshake — the messages of the distribution handshake, version 6.
//
// Encoders produce a message's payload without its {packet,2} length (`packet2` adds it); parsers
// take a payload and throw handshake_error naming what is wrong with a garbled one; an error quotes
// at most a short excerpt of what the peer sent. Trailing bytes after a send_name are ignored, as
// OTP does. Nothing here makes an atom: a peer's name stays a string until its cookie is proven. The flows that use
// these (initiator and acceptor, timeouts, simultaneous connects) live in connection_setup.cpp. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "dist/digest.hpp"

namespace otp::detail::dist {

struct handshake_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// 'N', Flags:64, Creation:32, NLen:16, Name
struct send_name_message {
  std::uint64_t flags = 0;
  std::uint32_t creation = 0;
  std::string name;
};
// 'N', Flags:64, Challenge:32, Creation:32, NLen:16, Name
struct challenge_message {
  std::uint64_t flags = 0;
  std::uint32_t challenge = 0;
  std::uint32_t creation = 0;
  std::string name;
};
// 'r', Challenge:32, Digest:16
struct challenge_reply_message {
  std::uint32_t challenge = 0;
  digest answer{};
};

std::string packet2(std::string_view payload);

// `text` quoted for a log line: at most `max_bytes` of it, bytes outside printable ASCII as \xHH,
// and "...(N bytes)" when it was cut. For names and status texts a peer sent.
std::string quoted_excerpt(std::string_view text, std::size_t max_bytes = 64);

std::string encode_send_name(const send_name_message& m);
send_name_message parse_send_name(std::string_view payload);
// 's' + status text ("ok", "ok_simultaneous", "nok", "not_allowed", "alive", "true", "false").
std::string encode_status(std::string_view status);
std::string parse_status(std::string_view payload);
std::string encode_challenge(const challenge_message& m);
challenge_message parse_challenge(std::string_view payload);
std::string encode_challenge_reply(const challenge_reply_message& m);
challenge_reply_message parse_challenge_reply(std::string_view payload);
// 'a', Digest:16
std::string encode_challenge_ack(const digest& d);
digest parse_challenge_ack(std::string_view payload);

// The flag names missing from `peer_flags` that this node requires, e.g. "MAP_TAG BIG_CREATION";
// empty when none is missing.
std::string missing_mandatory_flags(std::uint64_t peer_flags);

}  // namespace otp::detail::dist
