// otpctl stop --node N: stops a node started by otpctl start (its node agent's stop: the release
// handler stops the applications in reverse order, the node leaves EPMD) and waits until its
// connection is gone. Exit codes: 0 stopped, 1 unreachable or it did not stop within --timeout.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command stop;

}  // namespace otpctl::commands
