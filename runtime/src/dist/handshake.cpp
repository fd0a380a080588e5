#include "dist/handshake.hpp"

#include <algorithm>
#include <utility>

#include "dist/flags.hpp"
#include "terms/big_endian.hpp"

namespace otp::detail::dist {
namespace {

using detail::get_big_endian;
using detail::put_u16;
using detail::put_u32;
using detail::put_u64;

// Reads big-endian fields from a payload, throwing when it runs out.
class reader {
 public:
  reader(std::string_view bytes, const char* what) : bytes_(bytes), what_(what) {}
  std::uint64_t u(std::size_t n) {
    need(n);
    const std::uint64_t v = get_big_endian(bytes_, at_, n);
    at_ += n;
    return v;
  }
  std::string_view take(std::size_t n) {
    need(n);
    auto v = bytes_.substr(at_, n);
    at_ += n;
    return v;
  }
  void tag(char expected) {
    if (static_cast<char>(u(1)) != expected)
      throw handshake_error(std::string(what_) + ": expected tag '" + expected + "', got byte " +
                            std::to_string(static_cast<unsigned char>(bytes_[0])));
  }
  std::size_t left() const { return bytes_.size() - at_; }

 private:
  void need(std::size_t n) const {
    if (bytes_.size() - at_ < n)
      throw handshake_error(std::string(what_) + ": truncated (" + std::to_string(bytes_.size()) + " bytes)");
  }
  std::string_view bytes_;
  const char* what_;
  std::size_t at_ = 0;
};

std::string node_name(reader& r, const char* what) {
  const auto length = static_cast<std::size_t>(r.u(2));
  const std::string_view name = r.take(length);
  const auto at = name.find('@');
  if (at == std::string_view::npos || at == 0 || name.back() == '@' || name.size() > 255)
    throw handshake_error(std::string(what) + ": not a node name: " + quoted_excerpt(name));
  return std::string(name);
}

}  // namespace

std::string quoted_excerpt(std::string_view text, std::size_t max_bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "'";
  for (const char c : text.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\' && c != '\'') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(hex[byte >> 4]);
      out.push_back(hex[byte & 15]);
    }
  }
  out.push_back('\'');
  if (text.size() > max_bytes) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string packet2(std::string_view payload) {
  if (payload.size() > 0xffff) throw handshake_error("handshake message too long");
  std::string out;
  out.reserve(payload.size() + 2);
  put_u16(out, static_cast<std::uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

std::string encode_send_name(const send_name_message& m) {
  std::string out(1, 'N');
  put_u64(out, m.flags);
  put_u32(out, m.creation);
  put_u16(out, static_cast<std::uint32_t>(m.name.size()));
  out += m.name;
  return out;
}

send_name_message parse_send_name(std::string_view payload) {
  reader r(payload, "send_name");
  r.tag('N');
  send_name_message m;
  m.flags = r.u(8);
  m.creation = static_cast<std::uint32_t>(r.u(4));
  m.name = node_name(r, "send_name");
  return m;  // trailing bytes are ignored, as OTP does
}

std::string encode_status(std::string_view status) { return std::string("s").append(status); }

std::string parse_status(std::string_view payload) {
  if (payload.empty() || payload[0] != 's') throw handshake_error("status: expected tag 's'");
  return std::string(payload.substr(1));
}

std::string encode_challenge(const challenge_message& m) {
  std::string out(1, 'N');
  put_u64(out, m.flags);
  put_u32(out, m.challenge);
  put_u32(out, m.creation);
  put_u16(out, static_cast<std::uint32_t>(m.name.size()));
  out += m.name;
  return out;
}

challenge_message parse_challenge(std::string_view payload) {
  reader r(payload, "challenge");
  r.tag('N');
  challenge_message m;
  m.flags = r.u(8);
  m.challenge = static_cast<std::uint32_t>(r.u(4));
  m.creation = static_cast<std::uint32_t>(r.u(4));
  m.name = node_name(r, "challenge");
  return m;
}

std::string encode_challenge_reply(const challenge_reply_message& m) {
  std::string out(1, 'r');
  put_u32(out, m.challenge);
  out.append(reinterpret_cast<const char*>(m.answer.data()), m.answer.size());
  return out;
}

challenge_reply_message parse_challenge_reply(std::string_view payload) {
  reader r(payload, "challenge_reply");
  r.tag('r');
  challenge_reply_message m;
  m.challenge = static_cast<std::uint32_t>(r.u(4));
  const auto bytes = r.take(16);
  std::copy(bytes.begin(), bytes.end(), m.answer.begin());
  if (r.left() != 0) throw handshake_error("challenge_reply: " + std::to_string(r.left()) + " bytes too many");
  return m;
}

std::string encode_challenge_ack(const digest& d) {
  std::string out(1, 'a');
  out.append(reinterpret_cast<const char*>(d.data()), d.size());
  return out;
}

digest parse_challenge_ack(std::string_view payload) {
  reader r(payload, "challenge_ack");
  r.tag('a');
  digest d{};
  const auto bytes = r.take(16);
  std::copy(bytes.begin(), bytes.end(), d.begin());
  if (r.left() != 0) throw handshake_error("challenge_ack: " + std::to_string(r.left()) + " bytes too many");
  return d;
}

std::string missing_mandatory_flags(std::uint64_t peer_flags) {
  static constexpr std::pair<std::uint64_t, const char*> names[] = {
      {flags::extended_references, "EXTENDED_REFERENCES"},
      {flags::fun_tags, "FUN_TAGS"},
      {flags::new_fun_tags, "NEW_FUN_TAGS"},
      {flags::extended_pids_ports, "EXTENDED_PIDS_PORTS"},
      {flags::export_ptr_tag, "EXPORT_PTR_TAG"},
      {flags::bit_binaries, "BIT_BINARIES"},
      {flags::new_floats, "NEW_FLOATS"},
      {flags::utf8_atoms, "UTF8_ATOMS"},
      {flags::map_tag, "MAP_TAG"},
      {flags::big_creation, "BIG_CREATION"},
      {flags::handshake_23, "HANDSHAKE_23"},
  };
  // The MANDATORY_25_DIGEST bit stands for the whole set (dist_util.erl:247).
  if ((peer_flags & flags::mandatory_25_digest) != 0) peer_flags |= flags::mandatory;
  std::string missing;
  for (const auto& [bit, name] : names)
    if ((peer_flags & bit) == 0) missing.append(missing.empty() ? "" : " ").append(name);
  return missing;
}

}  // namespace otp::detail::dist
