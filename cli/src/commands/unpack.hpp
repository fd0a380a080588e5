// otpctl unpack --node N PATH [--vsn V]: sends release V of PATH — a release archive (read and
// verified, release_archive.hpp) or a release root — (its release file, application files, appups
// and modules) to the node, which checks and unpacks it
// (release_handler::unpack_from). PATH holding several releases needs --vsn (else exit 2). Exit
// codes: 0 unpacked, 1 PATH has no such release, is a broken archive, or the node refused it (already unpacked,
// incomplete).
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command unpack;

}  // namespace otpctl::commands
