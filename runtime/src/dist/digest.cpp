#include "dist/digest.hpp"

#include <boost/uuid/detail/md5.hpp>
#include <random>
#include <string>

namespace otp::detail::dist {

digest gen_digest(std::uint32_t challenge, std::string_view cookie) {
  boost::uuids::detail::md5 md5;
  md5.process_bytes(cookie.data(), cookie.size());
  const std::string decimal = std::to_string(challenge);
  md5.process_bytes(decimal.data(), decimal.size());
  boost::uuids::detail::md5::digest_type words;
  md5.get_digest(words);
  // Boost hands the digest out as four 32-bit words, most significant byte first.
  digest out{};
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<unsigned char>(words[i] >> (24 - 8 * b));
  return out;
}

bool digests_equal(const digest& a, const digest& b) noexcept {
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference = static_cast<unsigned char>(difference | (a[i] ^ b[i]));
  return difference == 0;
}

std::uint32_t new_challenge() {
  static thread_local std::random_device source;
  return static_cast<std::uint32_t>(source());
}

}  // namespace otp::detail::dist
