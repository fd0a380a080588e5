// otpctl history --node N [--limit N] [--json]: the newest events of the node's release history
// (unpack, installs and their outcome, make_permanent, boot, ...), oldest first, as a table or,
// with --json, an array of event objects.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command history;

}  // namespace otpctl::commands
