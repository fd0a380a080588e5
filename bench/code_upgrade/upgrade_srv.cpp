// The server the upgrade benchmark upgrades. Version 1 keeps a count; version 2 keeps
// {Count, Upgrades}, and its code_change converts (as bench/erlang/code_upgrade_bench.erl's twin).
// Any call is answered with the state, except {check, K}, answered with whether the count is K; a
// cast `bump` adds one to the count (the traffic case checks with them that no message is lost or
// reordered).
#include <otp/module.hpp>

namespace {

using otp::term;
namespace gs = otp::gen_server;

#ifdef UPGRADE_SRV_V2
std::int64_t count_of(const term& state) { return state[0].as_int(); }
#else
std::int64_t count_of(const term& state) { return state.as_int(); }
#endif

class upgrade_srv : public gs::behaviour {
 public:
  gs::init_result init(const term&) override { return gs::init_result::ok(term(0)); }
  gs::result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_tuple(2) && request[0].is_atom(otp::atom("check")))
      return gs::result::reply(term(count_of(state) == request[1].as_int()), state);
    return gs::result::reply(state, state);
  }
  gs::result handle_cast(const term&, const term& state) override {
#ifdef UPGRADE_SRV_V2
    return gs::result::noreply(otp::tuple(count_of(state) + 1, state[1]));
#else
    return gs::result::noreply(term(count_of(state) + 1));
#endif
  }
#ifdef UPGRADE_SRV_V2
  gs::code_change_result code_change(const term&, const term& state, const term&) override {
    return gs::code_change_result::success(otp::tuple(state, 1));
  }
#endif
};

}  // namespace

OTP_GEN_SERVER_MODULE(upgrade_srv, OTP_MODULE_VSN, upgrade_srv)
