// otpctl status --node N [--json]: the supervision tree of each running application, as the node
// agent's status reports it: ids, pids, types, module and version, restart counts and the OS pids
// of OS-process children, as an indented tree or, with --json, the reply's maps as JSON.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command status;

}  // namespace otpctl::commands
