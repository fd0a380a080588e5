// dist flags — the capability bits of Erlang's distribution handshake.
//
// Constants only. `ours(hidden)` is what this node offers in send_name and in its challenge;
// `mandatory` is what OTP 25 requires of a peer (a peer missing one is refused, as dist_util's
// check_dflags does).
#pragma once

#include <cstdint>

namespace otp::detail::dist::flags {

inline constexpr std::uint64_t published = 0x1;
inline constexpr std::uint64_t extended_references = 0x4;
inline constexpr std::uint64_t dist_monitor = 0x8;
inline constexpr std::uint64_t fun_tags = 0x10;
inline constexpr std::uint64_t dist_monitor_name = 0x20;
inline constexpr std::uint64_t new_fun_tags = 0x80;
inline constexpr std::uint64_t extended_pids_ports = 0x100;
inline constexpr std::uint64_t export_ptr_tag = 0x200;
inline constexpr std::uint64_t bit_binaries = 0x400;
inline constexpr std::uint64_t new_floats = 0x800;
inline constexpr std::uint64_t utf8_atoms = 0x10000;
inline constexpr std::uint64_t map_tag = 0x20000;
inline constexpr std::uint64_t big_creation = 0x40000;
inline constexpr std::uint64_t send_sender = 0x80000;
inline constexpr std::uint64_t exit_payload = 0x400000;
inline constexpr std::uint64_t handshake_23 = 0x1000000;
inline constexpr std::uint64_t unlink_id = 0x2000000;
inline constexpr std::uint64_t mandatory_25_digest = 0x4000000;
inline constexpr std::uint64_t spawn = std::uint64_t{1} << 32;
inline constexpr std::uint64_t name_me = std::uint64_t{1} << 33;
inline constexpr std::uint64_t v4_nc = std::uint64_t{1} << 34;
inline constexpr std::uint64_t alias = std::uint64_t{1} << 35;

// OTP 25's mandatory set (erts 13.1.5 `mandatory` = 0x1070F94).
inline constexpr std::uint64_t mandatory = extended_references | fun_tags | new_fun_tags | extended_pids_ports |
                                           export_ptr_tag | bit_binaries | new_floats | utf8_atoms | map_tag |
                                           big_creation | handshake_23;
static_assert(mandatory == 0x1070F94);

// Offered by this node: the mandatory set and its synonym bit, remote monitors (both bits, or OTP
// sends no MONITOR_P), UNLINK_ID and V4_NC (mandatory from OTP 26), ALIAS, SPAWN (spawn requests:
// rpc, erpc and spawn/4 from Erlang); PUBLISHED unless hidden.
// No atom cache, no fragments: the peer then sends whole pass-through frames.
constexpr std::uint64_t ours(bool hidden) {
  return mandatory | mandatory_25_digest | dist_monitor | dist_monitor_name | unlink_id | v4_nc | alias | spawn |
         (hidden ? 0 : published);
}

}  // namespace otp::detail::dist::flags
