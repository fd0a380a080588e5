// nlbench: the small module the nl benchmark pushes (a process that echoes).
#include "otp/module.hpp"
#include "otp/process.hpp"

namespace {

otp::module::next loop(const otp::term&) {
  for (;;) {
    const otp::term m = otp::receive();
    if (m.is_tuple(2) && m[0].is_pid()) otp::send(m[0], m[1]);
  }
}

}  // namespace

OTP_PROCESS_MODULE(nlbench, OTP_MODULE_VSN, loop)
