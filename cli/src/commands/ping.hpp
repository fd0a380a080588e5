// otpctl ping --node N: whether the node answers, as net_adm:ping. Prints "pong" and exits 0, or
// prints "pang" with the reason on stderr (not running, or refused: a wrong cookie) and exits 1.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command ping;

}  // namespace otpctl::commands
