// Modules whose initialisation throws: an on_load that refuses, and a gen_server whose callback
// object cannot be constructed. The code server must refuse both and change nothing.
#include <stdexcept>

#include "otp/module.hpp"

namespace {

#ifdef THROW_IN_ON_LOAD
otp::module::next loop(const otp::term&) { return otp::module::next::done(); }
void refuse() { throw std::runtime_error("configuration missing"); }
}  // namespace
OTP_PROCESS_MODULE(onloadthrows, "1", loop, refuse)
#else
class server : public otp::gen_server::behaviour {
 public:
  server() { throw std::runtime_error("cannot construct the callbacks"); }
  otp::gen_server::init_result init(const otp::term&) override { return otp::gen_server::init_result::ignore(); }
};
}  // namespace
OTP_GEN_SERVER_MODULE(ctorthrows, "1", server)
#endif
