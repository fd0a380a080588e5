// otpctl systemd-unit (--name NAME@HOST | --sname NAME) --root DIR [--cookie-file FILE] [--user USER]
// [--otpctl PATH]: prints a systemd service unit that runs the node in the foreground (`otpctl
// start` without --daemon, Type=simple): systemd restarts it on failure, the watchdog's job, and
// stops it with SIGTERM, a clean stop. The cookie never appears on a command line: it comes from
// FILE (`otpctl start --cookie-file`) or, without one, from ~/.erlang.cookie of the unit's user.
// Exit codes: 0 printed; 2 usage (no name, no root, a relative path).
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command systemd_unit;

}  // namespace otpctl::commands
