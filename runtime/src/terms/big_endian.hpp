// big_endian — network byte order, the order of every wire format the runtime speaks (the external
// term format, the distribution handshake and its frames, EPMD): appending an unsigned integer as
// N bytes to a buffer, and reading one back from N bytes. The caller checks that the bytes are
// there. Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace otp::detail {

// Appends the low `count` bytes of `value`, most significant first.
inline void put_big_endian(std::string& out, std::uint64_t value, std::size_t count) {
  for (std::size_t i = count; i-- > 0;) out.push_back(static_cast<char>(value >> (8 * i)));
}
inline void put_u16(std::string& out, std::uint16_t value) { put_big_endian(out, value, 2); }
inline void put_u32(std::string& out, std::uint32_t value) { put_big_endian(out, value, 4); }
inline void put_u64(std::string& out, std::uint64_t value) { put_big_endian(out, value, 8); }

// The unsigned integer in bytes [at, at + count) of `bytes`, most significant first (count <= 8).
inline std::uint64_t get_big_endian(std::string_view bytes, std::size_t at, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

}  // namespace otp::detail
