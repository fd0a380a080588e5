// The server the upgrade benchmark upgrades. Version 1 keeps a count; version 2 keeps
// {Count, Upgrades}, and its code_change converts (as bench/erlang/code_upgrade_bench.erl's twin).
#include <otp/module.hpp>

namespace {

using otp::term;
namespace gs = otp::gen_server;

class upgrade_srv : public gs::behaviour {
 public:
  gs::init_result init(const term&) override { return gs::init_result::ok(term(0)); }
  gs::result handle_call(const term&, const term&, const term& state) override {
    return gs::result::reply(state, state);
  }
#ifdef UPGRADE_SRV_V2
  gs::code_change_result code_change(const term&, const term& state, const term&) override {
    return gs::code_change_result::success(otp::tuple(state, 1));
  }
#endif
};

}  // namespace

OTP_GEN_SERVER_MODULE(upgrade_srv, OTP_MODULE_VSN, upgrade_srv)
