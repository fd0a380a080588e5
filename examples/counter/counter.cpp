// The counter as an OTP gen_server, registered as `counter`. Built twice from this
// source: module vsn "1" (application counter 1.0.0) and, with COUNTER_KNOWS_RESET, vsn "2"
// (counter 1.1.0), as if the source had been edited.
//   cast {increment, N}  adds N             cast print  logs "Sum is N"
//   call get             replies the sum    call reset  (vsn 2) sets the sum to 0, replies ok
// Any other call is answered {error, {unknown_call, Request}}, so version 1 survives a `reset`.
// The start argument is the initial sum ({counter, start_link, [0]}).
//
// The state changes shape: version 1 keeps Sum, version 2 keeps {Sum, Resets}. Version 2's
// code_change migrates it both ways — up from "1" (the appup's {update, counter, {advanced, []}})
// and down ({down, "1"}: the module is `dynamic`, so the downgrade asks the new code before the
// old one is loaded again) — so the sum survives an upgrade and a rollback.
#include <cstdint>
#include <otp/gen_server.hpp>
#include <otp/log.hpp>
#include <otp/module.hpp>
#include <otp/process.hpp>
#include <string>

namespace {

using otp::atom;
using otp::term;
using otp::gen_server::code_change_result;
using otp::gen_server::init_result;
using otp::gen_server::result;

#ifdef COUNTER_KNOWS_RESET
std::int64_t sum_of(const term& state) { return state[0].as_int(); }
term with_sum(const term& state, std::int64_t sum) { return otp::tuple(sum, state[1]); }
#else
std::int64_t sum_of(const term& state) { return state.as_int(); }
term with_sum(const term&, std::int64_t sum) { return term(sum); }
#endif

class counter_server : public otp::gen_server::behaviour {
 public:
  init_result init(const term& initial) override {
    otp::register_name(atom("counter"), otp::self());  // gen_server:start_link({local, counter}, ...)
    const std::int64_t sum = initial.is_integer() ? initial.as_int() : 0;
#ifdef COUNTER_KNOWS_RESET
    return init_result::ok(otp::tuple(sum, 0));
#else
    return init_result::ok(term(sum));
#endif
  }

  result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_atom(atom("get"))) return result::reply(term(sum_of(state)), state);
#ifdef COUNTER_KNOWS_RESET
    if (request.is_atom(atom("reset"))) return result::reply(atom("ok"), otp::tuple(0, state[1].as_int() + 1));
#endif
    return result::reply(otp::tuple(atom("error"), otp::tuple(atom("unknown_call"), request)), state);
  }

  result handle_cast(const term& request, const term& state) override {
    if (request.is_tuple(2) && request[0].is_atom(atom("increment")))
      return result::noreply(with_sum(state, sum_of(state) + request[1].as_int()));
    if (request.is_atom(atom("print"))) otp::log::write(otp::log::level::notice, describe(state));
    return result::noreply(state);
  }

#ifdef COUNTER_KNOWS_RESET
  code_change_result code_change(const term& old_vsn, const term& state, const term&) override {
    const bool down = old_vsn.is_tuple(2) && old_vsn[0].is_atom(atom("down"));
    if (down) return code_change_result::success(state.is_tuple(2) ? state[0] : state);     // {Sum, Resets} -> Sum
    return code_change_result::success(state.is_integer() ? otp::tuple(state, 0) : state);  // Sum -> {Sum, 0}
  }
#endif

 private:
  static std::string describe(const term& state) {
#ifdef COUNTER_KNOWS_RESET
    return "Sum is " + std::to_string(sum_of(state)) + " (reset " + std::to_string(state[1].as_int()) + " times)";
#else
    return "Sum is " + std::to_string(sum_of(state));
#endif
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(counter, OTP_MODULE_VSN, counter_server)
