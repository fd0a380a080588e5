// otp::detail::cat — for otp-cpp's own sources (not a public API): builds a string by
// appending its parts, each anything a std::string_view can be made from. Error messages are built
// with it because GCC 12 at -O3 reports a bogus -Wrestrict for `"literal" + std::string`.
#pragma once

#include <string>
#include <string_view>

namespace otp::detail {

template <class... Ts>
std::string cat(const Ts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

}  // namespace otp::detail
