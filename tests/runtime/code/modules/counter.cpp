// The counter: a plain process that keeps a sum; built as version 1 and, with COUNTER_KNOWS_RESET,
// as version 2, which also handles {reset}. It stays on its version (a local loop(Sum)) until it
// gets code_switch, which continues in the module's current version (Erlang's
// ?MODULE:codeswitch(Sum)). {counter, Pid} is answered with {counter, Sum, <<"v", Vsn>>}.
#include "otp/log.hpp"
#include "otp/module.hpp"
#include "otp/process.hpp"

namespace {

otp::module::next loop(const otp::term& state) {
  std::int64_t sum = state.as_int();
  for (;;) {
    const otp::term m = otp::receive();
    if (m.is_tuple(2) && m[0].is_atom(otp::atom("increment"))) {
      sum += m[1].as_int();
    } else if (m.is_tuple(1) && m[0].is_atom(otp::atom("print"))) {
      otp::log::write(otp::log::level::notice, "Sum is " + std::to_string(sum));
#ifdef COUNTER_KNOWS_RESET
    } else if (m.is_tuple(1) && m[0].is_atom(otp::atom("reset"))) {
      sum = 0;
#endif
    } else if (m.is_tuple(2) && m[0].is_atom(otp::atom("counter"))) {
      otp::send(m[1], otp::tuple(otp::atom("counter"), sum, otp::binary("v" OTP_MODULE_VSN)));
    } else if (m.is_atom(otp::atom("code_switch"))) {
      return otp::module::next::in_current_version(sum);
    } else {
      otp::log::write(otp::log::level::notice, "Unhandled message " + m.to_string());
    }
  }
}

}  // namespace

OTP_PROCESS_MODULE(counter, OTP_MODULE_VSN, loop)
