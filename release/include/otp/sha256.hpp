// otp::release::sha256 — SHA-256 (FIPS 180-4), self-contained, for the checksums of module files
// recorded at unpack (no crypto library is a dependency of otp-cpp).
//
// Ownership and thread-safety: a hasher is a plain value used by one thread; the free functions
// are pure (sha256_file_hex reads the file).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace otp::release {

class sha256 {
 public:
  using digest = std::array<std::uint8_t, 32>;

  sha256();
  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // The digest of everything given; the hasher must not be updated afterwards.
  digest finish();

  static std::string to_hex(const digest& d);  // lowercase, 64 characters

 private:
  void block(const std::uint8_t* p);

  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes
};

std::string sha256_hex(std::string_view data);
// Streams the file; throws std::runtime_error naming the file when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace otp::release
