// otpctl releases --node N [--json]: the node's releases (release_handler which_releases), newest
// first, as a table NAME VSN STATUS or, with --json, [{name, vsn, status, applications}].
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command releases;

}  // namespace otpctl::commands
