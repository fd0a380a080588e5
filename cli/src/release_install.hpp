// Installing a release on a node and reporting it — what `otpctl relup` and `otpctl rollback`
// share (release_handler install, docs/release-handler.md).
//
// install_release asks the node's release handler to install `vsn` (an upgrade or a downgrade,
// whichever the versions make it). With `progress`, a process of otpctl's receives the handler's
// {release_progress, Vsn, Step, Pids} messages and prints one line per step on `out` as it comes
// ("  step: <instruction>  [pids]"), all before the result. Then the result, in text:
//   node a@h: upgraded from 1.0.0 to 1.1.0 in 12 ms (1 module changed, 1 process migrated; longest
//   pause of any process 840 µs)
// (the pause: how long a process handled nothing else — suspended in OTP's order, or in its own
// code_change in a rolling update), followed by a hint when the release is not permanent, or as
// one JSON object {"node","vsn","from_vsn","direction","duration_ms","modules_changed",
// "processes_migrated","longest_pause_us","permanent"}.
// A refused or failed install is one line on err (otp/detail/release_errors.hpp) and exit_code::failed.
//
// Must run inside a with_node body (a process of the hidden node).
#pragma once

#include <iosfwd>
#include <string>

#include "command.hpp"
#include "node_connection.hpp"

namespace otpctl {

struct install_output {
  bool progress = false;  // a line per step (otpctl prints them when stdout is a terminal)
  bool json = false;
};

exit_code install_release(const node_session& s, const std::string& vsn, install_output how, std::ostream& out);

}  // namespace otpctl
