// A gen_server module whose state changes shape across versions.
//   vsn 1: state Sum.               vsn 2: state {Sum, Count}; adds call `count`.
//   vsn 3: code_change fails: it throws for OldVsn "1" and returns an error otherwise.
// Calls: {add, N} -> ok, total -> Sum, vsn -> the version that answered. Cast block: waits in the
// callback for one message (with {block, Pid}, after telling Pid {blocked, Vsn}).
#include "otp/gen_server.hpp"
#include "otp/module.hpp"
#include "otp/process.hpp"

namespace {

using otp::atom;
using otp::term;
using otp::gen_server::code_change_result;
using otp::gen_server::init_result;
using otp::gen_server::result;

class acc_server : public otp::gen_server::behaviour {
 public:
  init_result init(const term& args) override {
#if ACC_VSN_NUMBER == 1
    return init_result::ok(args.is_integer() ? args : term(0));
#else
    return init_result::ok(otp::tuple(args.is_integer() ? args : term(0), 0));
#endif
  }

  result handle_call(const term& request, const term&, const term& state) override {
#if ACC_VSN_NUMBER == 1
    if (request.is_tuple(2) && request[0].is_atom(atom("add")))
      return result::reply(atom("ok"), term(state.as_int() + request[1].as_int()));
    if (request.is_atom(atom("total"))) return result::reply(state, state);
#else
    if (request.is_tuple(2) && request[0].is_atom(atom("add")))
      return result::reply(atom("ok"), otp::tuple(state[0].as_int() + request[1].as_int(), state[1].as_int() + 1));
    if (request.is_atom(atom("total"))) return result::reply(state[0], state);
    if (request.is_atom(atom("count"))) return result::reply(state[1], state);
#endif
    if (request.is_atom(atom("vsn"))) return result::reply(otp::binary(ACC_VSN), state);
    if (request.is_atom(atom("crash"))) throw std::runtime_error("acc asked to crash");
    return result::reply(otp::tuple(atom("error"), atom("unknown_call")), state);
  }

  // `block` or `{block, Pid}`: waits inside the callback for any message (the process then runs
  // this version's code); with a Pid, tells it {blocked, Vsn} first.
  result handle_cast(const term& request, const term& state) override {
    if (request.is_tuple(2) && request[0].is_atom(atom("block")))
      otp::send(request[1], otp::tuple(atom("blocked"), otp::binary(ACC_VSN)));
    if (request.is_atom(atom("block")) || (request.is_tuple(2) && request[0].is_atom(atom("block")))) otp::receive();
    return result::noreply(state);
  }

  code_change_result code_change(const term& old_vsn, [[maybe_unused]] const term& state,
                                 [[maybe_unused]] const term& extra) override {
#if ACC_VSN_NUMBER == 1
    // Downgrade from 2: {Sum, Count} -> Sum.
    if (old_vsn.is_tuple(2) && old_vsn[0].is_atom(atom("down"))) return code_change_result::success(state[0]);
    return code_change_result::success(state);
#elif ACC_VSN_NUMBER == 2
    // Upgrade from 1: Sum -> {Sum, Extra or 0}.
    if (old_vsn == otp::binary("1") || old_vsn == otp::charlist("1"))
      return code_change_result::success(otp::tuple(state, extra.is_integer() ? extra : term(0)));
    return code_change_result::success(state);
#else
    if (old_vsn == otp::binary("1")) throw std::runtime_error("acc 3 cannot migrate from 1");
    return code_change_result::failure(otp::tuple(atom("cannot_migrate"), old_vsn));
#endif
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(acc, ACC_VSN, acc_server)
