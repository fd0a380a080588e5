// otpctl remove --node N VSN: removes release VSN from the node's release root (release_handler
// remove): its release directory and the application versions no other release uses. Exit codes:
// 0 removed, 1 unknown, permanent or running.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command remove;

}  // namespace otpctl::commands
