// A gen_server module for rolling upgrades, built as versions 1 and 2.
//   vsn 1: state Sum.   vsn 2: state {Sum, Extra}.
// Calls: total -> Sum, vsn -> the version that answered, state -> the whole state.
// Cast {next, K}: K must be Sum + 1 (then Sum := K); anything else stops the server with
// {out_of_order, K, Sum}, so a lost or reordered message ends it.
// code_change of version 2: up from "1" turns Sum into {Sum, Extra}, but throws for Sum = 13 and
// for Sum = 77 first waits (up to 10 s) for a message `go_on` that nobody sends; down
// ({down, "1"}, a dynamic module's downgrade, run in version 2) turns {Sum, _} back into Sum.
// code_change of version 1: {down, _} (a static module's downgrade, run in version 1) does the same.
#include <stdexcept>

#include "otp/gen_server.hpp"
#include "otp/module.hpp"
#include "otp/process.hpp"

namespace {

using otp::atom;
using otp::term;
using otp::gen_server::code_change_result;
using otp::gen_server::init_result;
using otp::gen_server::result;

#if ROLLER_VSN_NUMBER == 1
std::int64_t sum_of(const term& state) { return state.as_int(); }
term with_sum(const term&, std::int64_t sum) { return term(sum); }
#else
std::int64_t sum_of(const term& state) { return state[0].as_int(); }
term with_sum(const term& state, std::int64_t sum) { return otp::tuple(sum, state[1]); }
#endif

class roller_server : public otp::gen_server::behaviour {
 public:
  init_result init(const term& args) override {
#if ROLLER_VSN_NUMBER == 1
    return init_result::ok(args);
#else
    return init_result::ok(otp::tuple(args, atom("fresh")));
#endif
  }

  result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_atom(atom("total"))) return result::reply(term(sum_of(state)), state);
    if (request.is_atom(atom("vsn"))) return result::reply(otp::binary(OTP_MODULE_VSN), state);
    if (request.is_atom(atom("state"))) return result::reply(state, state);
    return result::reply(otp::tuple(atom("error"), atom("unknown_call")), state);
  }

  result handle_cast(const term& request, const term& state) override {
    if (request.is_tuple(2) && request[0].is_atom(atom("next"))) {
      const std::int64_t k = request[1].as_int();
      if (k != sum_of(state) + 1) return result::stop(otp::tuple(atom("out_of_order"), k, sum_of(state)), state);
      return result::noreply(with_sum(state, k));
    }
    return result::noreply(state);
  }

  code_change_result code_change(const term& old_vsn, const term& state, [[maybe_unused]] const term& extra) override {
    const bool down = old_vsn.is_tuple(2) && old_vsn[0].is_atom(atom("down"));
#if ROLLER_VSN_NUMBER == 1
    if (down) return code_change_result::success(state[0]);
    return code_change_result::success(state);
#else
    if (down) return code_change_result::success(state[0]);
    if (state.is_integer() && state.as_int() == 13) throw std::runtime_error("roller 2 refuses to migrate 13");
    if (state.is_integer() && state.as_int() == 77)
      otp::receive([](const term& m) { return m.is_atom(atom("go_on")); }, otp::milliseconds(10000));
    return code_change_result::success(state.is_integer() ? otp::tuple(state, extra) : state);
#endif
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(roller, OTP_MODULE_VSN, roller_server)
