// otpctl application start|stop|which: OTP's application:start/1, application:stop/1 and
// application:which_applications/0 on a running node, through its release handler's application
// controller (otp/application_controller.hpp).
#pragma once

#include "command.hpp"

namespace otpctl::commands {

extern const command application;

}  // namespace otpctl::commands
