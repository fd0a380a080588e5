// Asking a host's EPMD whether a node name is registered there (PORT_PLEASE2_REQ): how
// otpctl tells a node that is not running from one that refused its connection.
//
// epmd_lookup connects to EPMD on `host` (EPMD's port: ERL_EPMD_PORT when set, else 4369), asks
// for `alive` (the part of a node name before '@') and reads the answer, all within `timeout`. It
// never throws: every failure is one of the outcomes.
//
// Thread-safety: none needed; each call uses its own io_context and socket.
#pragma once

#include <chrono>
#include <string>

namespace otpctl {

enum class epmd_answer {
  registered,      // EPMD knows the name: the node is up
  not_registered,  // EPMD answered and knows no such name
  no_epmd,         // nothing answered on EPMD's port (no node runs there)
  unresolvable,    // the host name does not resolve
};

epmd_answer epmd_lookup(const std::string& host, const std::string& alive, std::chrono::milliseconds timeout);

// The port epmd_lookup asks: ERL_EPMD_PORT when set to a valid port, else 4369.
unsigned short epmd_port();

}  // namespace otpctl
