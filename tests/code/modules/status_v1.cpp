// Seed 004: a registered status server. `status` logs the status text and `{status, From}` also
// sends it to From; `reload` continues in the module's current version (test:loop()); `quit` ends.
#include "otp/log.hpp"
#include "otp/module.hpp"
#include "otp/process.hpp"

#ifndef STATUS_TEXT
#define STATUS_TEXT "Status OK"
#endif

namespace {

otp::module::next loop(const otp::term& state) {
  for (;;) {
    const otp::term m = otp::receive();
    if (m.is_atom(otp::atom("status")) || (m.is_tuple(2) && m[0].is_atom(otp::atom("status")))) {
      otp::log::write(otp::log::level::notice, STATUS_TEXT);
      if (m.is_tuple()) otp::send(m[1], otp::tuple(otp::atom("status"), otp::binary(STATUS_TEXT)));
    } else if (m.is_atom(otp::atom("reload"))) {
      return otp::module::next::in_current_version(state);
    } else if (m.is_atom(otp::atom("quit"))) {
      return otp::module::next::done();
    }
  }
}

}  // namespace

OTP_PROCESS_MODULE(status, STATUS_VSN, loop)
