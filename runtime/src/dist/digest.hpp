// digest — the cookie challenge of the distribution handshake.
//
// gen_digest(Challenge, Cookie) = MD5(Cookie ++ integer_to_list(Challenge)): the cookie bytes
// first, then the challenge as unsigned decimal ASCII (dist_util.erl:528). Digests are compared in
// constant time. Challenges come from the OS's random source.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace otp::detail::dist {

using digest = std::array<unsigned char, 16>;

digest gen_digest(std::uint32_t challenge, std::string_view cookie);
// True when equal; takes the same time whatever bytes differ.
bool digests_equal(const digest& a, const digest& b) noexcept;
std::uint32_t new_challenge();

}  // namespace otp::detail::dist
