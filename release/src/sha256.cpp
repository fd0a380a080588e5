#include "otp/sha256.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace otp::release {

struct sha256::context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~context() { EVP_MD_CTX_free(md); }
};

sha256::sha256() : context_(std::make_unique<context>()) {
  if (context_->md == nullptr || EVP_DigestInit_ex(context_->md, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256: OpenSSL cannot start a SHA-256 digest");
}

sha256::~sha256() = default;

void sha256::update(std::span<const std::byte> data) {
  if (EVP_DigestUpdate(context_->md, data.data(), data.size()) != 1) throw std::runtime_error("sha256: update failed");
}

void sha256::update(std::string_view data) { update(std::as_bytes(std::span(data.data(), data.size()))); }

sha256::digest sha256::finish() {
  digest d{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_->md, d.data(), &length) != 1 || length != d.size())
    throw std::runtime_error("sha256: finish failed");
  return d;
}

std::string sha256::to_hex(const digest& d) {
  static constexpr char hex_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : d) {
    out.push_back(hex_digits[b >> 4]);
    out.push_back(hex_digits[b & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  sha256 h;
  h.update(data);
  return sha256::to_hex(h.finish());
}

std::string sha256_file_hex(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open the file");
  sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto got = in.gcount();
    if (got > 0) h.update(std::string_view(buf.data(), static_cast<std::size_t>(got)));
  }
  if (in.bad()) throw std::runtime_error(path.string() + ": cannot read the file");
  return sha256::to_hex(h.finish());
}

}  // namespace otp::release
