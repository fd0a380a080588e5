// otpctl call --node N NAME TERM [--json]: gen_server:call({NAME, Node}, TERM) with --timeout; prints
// the reply in Erlang syntax (or as JSON). Exit codes: 0 replied, 1 no such process (noproc), the
// server exited or did not answer in time, 2 TERM does not parse.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command call;

}  // namespace otpctl::commands
