// otpctl send --node N NAME TERM: {NAME, Node} ! TERM, a plain message, after checking that NAME is
// registered there (exit 1 otherwise). Prints "ok". Exit 2 when TERM does not parse.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command send;

}  // namespace otpctl::commands
