// otpctl nodes --node N [--json]: the nodes the target is connected to, visible and hidden (otpctl's
// own connection left out), as a table NODE TYPE or, with --json, {node, visible, hidden}.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command nodes;

}  // namespace otpctl::commands
