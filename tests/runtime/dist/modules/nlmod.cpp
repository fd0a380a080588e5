// nlmod: the module the nl tests push to other nodes (built as versions 1 and 2). A plain process
// that answers {vsn, From} with {nlmod_vsn, <<"VSN">>}.
#include "otp/module.hpp"
#include "otp/process.hpp"

namespace {

otp::module::next loop(const otp::term& state) {
  for (;;) {
    const otp::term m = otp::receive();
    if (m.is_tuple(2) && m[0].is_atom(otp::atom("vsn")))
      otp::send(m[1], otp::tuple(otp::atom("nlmod_vsn"), otp::binary(OTP_MODULE_VSN)));
    if (m.is_atom(otp::atom("stop"))) return otp::module::next::done();
    (void)state;
  }
}

}  // namespace

OTP_PROCESS_MODULE(nlmod, OTP_MODULE_VSN, loop)
