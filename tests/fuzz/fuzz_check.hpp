// fuzz_check — what the fuzz targets share: an invariant that aborts (so that libFuzzer, and the
// corpus replay, report the input) with what broke, and the input as a string_view.
// Header-only; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string_view>

namespace otp::fuzz {

inline std::string_view bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts with `what` when `holds` is false: a broken invariant is a crash, not an error.
inline void require(bool holds, std::string_view what) {
  if (holds) return;
  std::cerr << "fuzz invariant broken: " << what << std::endl;
  std::abort();
}

}  // namespace otp::fuzz
