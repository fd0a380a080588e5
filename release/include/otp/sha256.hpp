// otp::release::sha256 — SHA-256 through OpenSSL's digest API, for the checksums of module files
// recorded at unpack and of the files in a release archive.
//
// Ownership and thread-safety: a hasher owns its OpenSSL context and is used by one thread; the
// free functions are pure (sha256_file_hex reads the file).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace otp::release {

class sha256 {
 public:
  using digest = std::array<std::uint8_t, 32>;

  sha256();
  ~sha256();
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;

  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // The digest of everything given; the hasher must not be updated afterwards.
  digest finish();

  static std::string to_hex(const digest& d);  // lowercase, 64 characters

 private:
  struct context;  // OpenSSL's EVP_MD_CTX
  std::unique_ptr<context> context_;
};

std::string sha256_hex(std::string_view data);
// Streams the file; throws std::runtime_error naming the file when it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace otp::release
