// otpctl which --node N MODULE [--json]: the versions of MODULE loaded on the node (current and old)
// with their files and the processes running each (node agent {which, M}). Exit 1 when not loaded.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command which;

}  // namespace otpctl::commands
