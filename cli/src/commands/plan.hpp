// otpctl plan FROM TO | otpctl plan ROOT FROM_VSN TO_VSN: prints the relup script a node running
// release FROM would run to install release TO (release_handler's install and `relup --dry-run`
// plan the same way, with otp::appup::plan_relup), with no node. FROM and TO are release archives
// or release roots holding one release; ROOT is a release root holding both versions. Exit codes:
// 0 planned; 1 a release cannot be read, no upgrade path (the planner's message), or FROM and TO
// are the same version; 2 usage.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command plan;

}  // namespace otpctl::commands
