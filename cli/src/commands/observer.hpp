// otpctl observer --node N [--port P] [--bind ADDR]: the web observer and /metrics of a running
// node, served by otpctl itself as a hidden node of N (docs/observer.md), until Ctrl-C, SIGTERM or
// the node goes down.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command observer;

}  // namespace otpctl::commands
