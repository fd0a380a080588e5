// otpctl rollback --node N [VSN] [--json]: goes back to the permanent release, or to the named one,
// by installing it (release_install.hpp). Refuses (exit 1) when that release is already the one
// running, and names an unknown release.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command rollback;

}  // namespace otpctl::commands
