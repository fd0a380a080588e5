// cat(...): string concatenation by appending (GCC 12 at -O3 reports a bogus -Wrestrict for
// `"literal" + std::string`, so the appup sources build their messages with this instead).
#pragma once

#include <string>
#include <string_view>

namespace otp::appup::detail {

template <class... Ts>
std::string cat(const Ts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

}  // namespace otp::appup::detail
