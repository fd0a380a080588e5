// Seed 003, version 1: a plain process that keeps a sum. It stays on this version (a local
// loop(Sum)) until it gets code_switch, which continues in the module's current version (Erlang's
// ?MODULE:codeswitch(Sum)).
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
    } else if (m.is_tuple(2) && m[0].is_atom(otp::atom("counter"))) {
      otp::send(m[1], otp::tuple(otp::atom("counter"), sum, otp::binary("v1")));
    } else if (m.is_atom(otp::atom("code_switch"))) {
      return otp::module::next::in_current_version(sum);
    } else {
      otp::log::write(otp::log::level::notice, "Unhandled message " + m.to_string());
    }
  }
}

}  // namespace

OTP_PROCESS_MODULE(counter, "1", loop)
