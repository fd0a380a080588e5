// assets — the page's files (observer/assets/), built into the library at build time by
// cmake/embed_assets.cmake, which writes the table find_asset searches (private to the observer).
//
// Thread-safety: constant data.
#pragma once

#include <string_view>

namespace otp::observer::detail {

struct asset {
  std::string_view name;  // its file name, the path it is served at (index.html also at /)
  std::string_view content_type;
  std::string_view bytes;
};

// The asset called `name`, or null.
const asset* find_asset(std::string_view name);

}  // namespace otp::observer::detail
