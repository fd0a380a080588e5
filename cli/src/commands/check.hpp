// otpctl check FILE...: validates application (*.app.yaml), release (*.rel.yaml) and appup
// (*.appup.yaml) files offline, each on its own, with the parsers the node uses. Prints
// "FILE: ok" for a valid file on stdout and the positioned error ("file:line:column: message") of
// an invalid one on stderr; with --json, one array of {file, ok, error, line, column} on stdout.
// Exit codes: 0 all valid, 1 any invalid or unreadable, 2 no file or a file of no known kind.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command check;

}  // namespace otpctl::commands
