// otpctl config --node N [APP [KEY]]: the application environments of a node's running release
// (OTP's application:get_all_env/get_env), in Erlang syntax or, with --json, as JSON.
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command config;

}  // namespace otpctl::commands
