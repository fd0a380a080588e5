// The counter of seed 003, a plain process keeping a sum. Built twice: version 1, and version 2
// (COUNTER_KNOWS_RESET) which also handles {reset} — as if the source had been edited.
//   {increment, N}  adds N          {print}  logs "Sum is N"
//   {counter, Pid}  sends {counter, Sum} to Pid
//   {reset}         (version 2) sets the sum to 0
//   code_switch     continues in the module's *current* version: Erlang's ?MODULE:codeswitch(Sum)
// Every other message is logged as unhandled. Looping inside loop() is Erlang's local call
// loop(Sum): the process stays on this version however many new versions get loaded.
#include <otp/log.hpp>
#include <otp/module.hpp>
#include <otp/process.hpp>

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
      otp::send(m[1], otp::tuple(otp::atom("counter"), sum));
    } else if (m.is_atom(otp::atom("code_switch"))) {
      return otp::module::next::in_current_version(sum);
    } else {
      otp::log::write(otp::log::level::notice, "Unhandled message " + m.to_string());
    }
  }
}

}  // namespace

OTP_PROCESS_MODULE(counter, OTP_MODULE_VSN, loop)
