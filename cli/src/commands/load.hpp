// otpctl load --node N MODULE [--all-nodes] [--json]: loads MODULE's newest file from the node's code
// path, purging old code first (c:l/1); with --all-nodes also sends it to every node the target is
// connected to (nl/1). Prints each node's result; exit 1 when any node failed.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command load;

}  // namespace otpctl::commands
