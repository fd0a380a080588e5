// A gen_server module built outside the otp-cpp tree: call {hello, Name} -> {hello, Name, from, Vsn}.
#include <otp/module.hpp>

namespace {

class greeter : public otp::gen_server::behaviour {
 public:
  otp::gen_server::init_result init(const otp::term& args) override { return otp::gen_server::init_result::ok(args); }
  otp::gen_server::result handle_call(const otp::term& request, const otp::term&, const otp::term& state) override {
    return otp::gen_server::result::reply(
        otp::tuple(otp::atom("hello"), request[1], otp::atom("from"), otp::binary("1.0")), state);
  }
};

}  // namespace

OTP_GEN_SERVER_MODULE(greeter, "1.0", greeter)
