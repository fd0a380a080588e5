// The status server: a registered plain process.
//   status          logs the status text
//   {status, Pid}   also sends {status, Text} to Pid
//   reload          continues in the module's current version (Erlang's test:loop())
//   quit            ends the process
// Started with a name as its argument (a supervisor's {status, start_link, [status]}), it registers
// itself under it, as the Erlang original's start() does; a reload keeps the name. With any other
// argument the caller registers it.
#include <otp/log.hpp>
#include <otp/module.hpp>
#include <otp/process.hpp>

namespace {

otp::module::next loop(const otp::term& state) {
  if (state.is_atom() && otp::whereis(state.as_atom()) != otp::self()) otp::register_name(state.as_atom(), otp::self());
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

OTP_PROCESS_MODULE(status, OTP_MODULE_VSN, loop)
