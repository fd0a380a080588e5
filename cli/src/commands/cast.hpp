// otpctl cast --node N NAME TERM: gen_server:cast({NAME, Node}, TERM), after checking that NAME is
// registered there (exit 1 otherwise). Prints "ok". Exit 2 when TERM does not parse.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command cast;

}  // namespace otpctl::commands
