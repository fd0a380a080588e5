// otpctl purge --node N MODULE [--soft]: removes MODULE's old code on the node (code:purge, which
// kills processes still running it; with --soft code:soft_purge, which refuses then). Exit codes:
// 0 purged (or nothing to purge), 1 module not loaded or, with --soft, old code still in use.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command purge;

}  // namespace otpctl::commands
