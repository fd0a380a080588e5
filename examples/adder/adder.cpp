// The adder (Erlang's demo:add/2) as an OTP gen_server, registered as `adder`. Built twice from
// this source: module vsn "1" (application adder 1.0.0) and, with ADDER_LIKE_A_BOSS, vsn "2" (adder
// 1.1.0), which also logs "Calculating like a boss!" — the edit of the Erlang original.
//   call {add, A, B}  replies A + B
// Any other call is answered {error, {unknown_call, Request}}. The server keeps no state ([]), so
// a new version needs no code_change: the appup loads it (load_module), and the next call runs it,
// as a gen_server's callbacks always go through the module's current version.
#include <otp/gen_server.hpp>
#include <otp/log.hpp>
#include <otp/module.hpp>
#include <otp/process.hpp>

namespace {

using otp::atom;
using otp::term;
using otp::gen_server::init_result;
using otp::gen_server::result;

class adder_server : public otp::gen_server::behaviour {
 public:
  init_result init(const term&) override {
    otp::register_name(atom("adder"), otp::self());  // gen_server:start_link({local, adder}, ...)
    return init_result::ok(term());
  }

  result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_tuple(3) && request[0].is_atom(atom("add")) && request[1].is_integer() && request[2].is_integer()) {
#ifdef ADDER_LIKE_A_BOSS
      otp::log::write(otp::log::level::notice, "Calculating like a boss!");
#endif
      return result::reply(term(request[1].as_int() + request[2].as_int()), state);
    }
    return result::reply(otp::tuple(atom("error"), otp::tuple(atom("unknown_call"), request)), state);
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(adder, OTP_MODULE_VSN, adder_server)
