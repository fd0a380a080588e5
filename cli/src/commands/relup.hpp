// otpctl relup --node N VSN [--dry-run] [--json]: installs the unpacked release VSN (an upgrade or a
// downgrade) while the node runs (release_install.hpp), a progress line per step when stdout is a
// terminal; --dry-run prints the low-level script the install would run (check_install) and changes
// nothing. Exit codes: 0 installed (or planned), 1 unknown release, no upgrade path or a failed
// install (the node keeps running the old release).
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command relup;

}  // namespace otpctl::commands
