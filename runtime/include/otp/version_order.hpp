// otp::version_less — the order of version strings ("1.9.2" < "1.10.0"), used wherever otp-cpp
// picks the highest or sorts versions (the code path's <module>-<vsn>.so files, a release root's
// releases). Parts separated by '.' compare as numbers when both are digits, else as text; a
// version that is a prefix of another comes first ("1.0" < "1.0.1").
// Thread-safety: a pure function.
#pragma once

#include <string_view>

namespace otp {

bool version_less(std::string_view a, std::string_view b);

}  // namespace otp
