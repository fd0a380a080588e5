// otpctl cluster status | sync: the releases of the target and every node it is connected to
// (docs/cluster.md).
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command cluster;

}  // namespace otpctl::commands
