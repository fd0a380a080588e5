// otp::epmd — asking a host's EPMD (the Erlang port mapper) about a node name, as a tool does
// before it connects: is the node registered, and on which port does it listen. otpctl uses it to
// tell a node that is not running from one that refused its connection.
//
// lookup connects to EPMD on `host` at port(), sends PORT_PLEASE2 for `alive` (the part of a node
// name before '@') and reads the answer, all within `timeout`, on an io_context of its own in the
// calling thread. It never throws: every failure is one of the statuses. An answer is read up to
// a few hundred bytes, whatever the other end sends.
//
// Thread-safety: any thread; calls share nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace otp::epmd {

// EPMD's port: ERL_EPMD_PORT when it is a port number (1 to 65535 and nothing else), else 4369.
// A node registers at the same port.
std::uint16_t port();

enum class lookup_status {
  registered,      // EPMD knows the name: the node is up (`port` says where it listens)
  not_registered,  // EPMD answered and knows no such name
  no_epmd,         // nothing answered on EPMD's port (no node runs there)
  unresolvable,    // the host name does not resolve
};

struct lookup_result {
  lookup_status status = lookup_status::no_epmd;
  std::uint16_t port = 0;  // the node's listen port when registered (0 if EPMD's answer was cut short)
};

lookup_result lookup(const std::string& host, const std::string& alive, std::chrono::milliseconds timeout);

}  // namespace otp::epmd
