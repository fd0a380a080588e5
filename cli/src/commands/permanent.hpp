// otpctl permanent --node N VSN: makes the installed release VSN the one the node boots
// (release_handler make_permanent). Exit codes: 0 done, 1 unknown or not installed.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command permanent;

}  // namespace otpctl::commands
