// A gen_server module for the release handler's tests, built as version 1 and 2 of two modules
// (seq_a and seq_b, SEQ_NAME) whose state changes shape between versions:
//   version 1: {Last, Errors}            version 2: {v2, Last, Errors}
// cast {seq, N}: N should be Last + 1; any other N counts as an error (a lost or reordered
// message). call report -> {Last, Errors}; call vsn -> the version that answered.
// cast block or {block, Pid}: waits inside the callback for the message go_on (the process runs
// this version); with a Pid, tells it {blocked, Vsn} first.
// code_change(OldVsn, State, Extra) tells the process registered as `observer` (if any)
// {code_change, Module, OldVsn, self()}, then, by Extra: crash -> throws; fail -> returns an error;
// {sleep, Ms} -> takes Ms before migrating; anything else migrates: up to version 2's shape, down
// ({down, Vsn}) to version 1's, in whichever version runs it.
// Started with an atom as its argument, it registers under that name. The application environment
// from module code: call {get_env, App, Key} -> the value or undefined; call {set_env, App, Key,
// Value} -> ok. call {config_change, Changed, New, Removed} (the application controller's, on an
// upgrade) tells the `observer` {config_change, Module, Changed, New, Removed} and replies ok.
#include <stdexcept>

#include "otp/application.hpp"
#include "otp/gen_server.hpp"
#include "otp/module.hpp"
#include "otp/process.hpp"

namespace {

using otp::atom;
using otp::term;
using otp::gen_server::code_change_result;
using otp::gen_server::init_result;
using otp::gen_server::result;

term last_of(const term& s) { return s.is_tuple(3) ? s[1] : s[0]; }
term errors_of(const term& s) { return s.is_tuple(3) ? s[2] : s[1]; }

term shaped(const term& last, const term& errors) {
#if SEQ_VSN_NUMBER == 1
  return otp::tuple(last, errors);
#else
  return otp::tuple(atom("v2"), last, errors);
#endif
}

class seq_server : public otp::gen_server::behaviour {
 public:
  init_result init(const term& arg) override {
    if (arg.is_atom() && !arg.is_atom(atom("undefined"))) otp::register_name(arg.as_atom(), otp::self());
    return init_result::ok(shaped(0, 0));
  }

  result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_atom(atom("report"))) return result::reply(otp::tuple(last_of(state), errors_of(state)), state);
    if (request.is_atom(atom("vsn"))) return result::reply(otp::binary(SEQ_VSN), state);
    if (request.is_tuple(3) && request[0].is_atom(atom("get_env")))
      return result::reply(otp::application::get_env(request[1].as_atom(), request[2].as_atom(), atom("undefined")),
                           state);
    if (request.is_tuple(4) && request[0].is_atom(atom("set_env"))) {
      otp::application::set_env(request[1].as_atom(), request[2].as_atom(), request[3]);
      return result::reply(atom("ok"), state);
    }
    if (request.is_tuple(4) && request[0].is_atom(atom("config_change"))) {
      const term observer = otp::whereis(atom("observer"));
      if (observer.is_pid())
        otp::send(observer,
                  otp::tuple(atom("config_change"), atom(OTP_MODULE_NAME), request[1], request[2], request[3]));
      return result::reply(atom("ok"), state);
    }
    return result::reply(otp::tuple(atom("error"), atom("unknown_call")), state);
  }

  result handle_cast(const term& request, const term& state) override {
    const bool tells = request.is_tuple(2) && request[0].is_atom(atom("block"));
    if (request.is_atom(atom("block")) || tells) {
      if (tells) otp::send(request[1], otp::tuple(atom("blocked"), otp::binary(SEQ_VSN)));
      otp::receive([](const term& m) { return m.is_atom(atom("go_on")); });
      return result::noreply(state);
    }
    if (request.is_tuple(2) && request[0].is_atom(atom("seq"))) {
      const std::int64_t n = request[1].as_int();
      const std::int64_t errors = errors_of(state).as_int() + (n == last_of(state).as_int() + 1 ? 0 : 1);
      return result::noreply(shaped(n, errors));
    }
    return result::noreply(state);
  }

  code_change_result code_change(const term& old_vsn, const term& state, const term& extra) override {
    const term observer = otp::whereis(atom("observer"));
    if (observer.is_pid())
      otp::send(observer, otp::tuple(atom("code_change"), atom(OTP_MODULE_NAME), old_vsn, otp::self()));
    if (extra.is_atom(atom("crash"))) throw std::runtime_error(OTP_MODULE_NAME " refuses to migrate");
    if (extra.is_atom(atom("fail"))) return code_change_result::failure(atom("cannot_migrate"));
    if (extra.is_tuple(2) && extra[0].is_atom(atom("sleep")))
      otp::receive([](const term&) { return false; }, otp::milliseconds(extra[1].as_int()));
    const bool down = old_vsn.is_tuple(2) && old_vsn[0].is_atom(atom("down"));
    if (down) return code_change_result::success(otp::tuple(last_of(state), errors_of(state)));
    return code_change_result::success(otp::tuple(atom("v2"), last_of(state), errors_of(state)));
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(SEQ_NAME, SEQ_VSN, seq_server)
