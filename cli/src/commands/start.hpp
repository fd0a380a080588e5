// otpctl start --name NAME@HOST | --sname NAME --root DIR [--release ARCHIVE] [--cookie C | --cookie-file PATH]
//              [--first-boot VSN] [--daemon [--timeout MS]]
// boots the permanent release of the release root DIR as a distributed node (relx's
// `bin/<rel> foreground` and `daemon`; otp::release::run_node).
//   - Foreground (the default): this process is the node; it logs to stderr, prints
//     "node NODE is running release REL VSN" on stdout once up, and stops cleanly on Ctrl-C or
//     SIGTERM (or `otpctl stop`). Exit code: 0 after a clean stop, 1 when the node could not start.
//   - --daemon: the node detaches under a watchdog (otp/heart.hpp: DIR/otpctl/node.pid,
//     watchdog.pid and node.log, reboots of a node that dies); otpctl returns once the node is up
//     and prints "node NODE is running release REL VSN" and the pids and log on stdout (exit 0),
//     or the node's error on stderr (exit 1).
// --release ARCHIVE first sets DIR up from a release archive (extract_release_archive; its release
// is the first boot's unless --first-boot says otherwise); a broken archive fails with exit 1 and
// writes nothing. A DIR that is not a directory fails with exit 1 before anything starts; no name, or both
// --name and --sname, is a usage error (2).
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command start;

}  // namespace otpctl::commands
