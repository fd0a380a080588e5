// The counter with OTP's tools, step by step: the counter gen_server on version 1 keeps a sum and
// does not know `reset`; version 2, whose state is {Sum, Resets}, is put in the way a release
// upgrade does it ({update, counter, {advanced, []}}: suspend, load, code_change, resume), and the
// sum is still there while `reset` now works. The release root (root/, README.md) does the same
// through the relup planner.
//   build/<preset>/examples/counter/counter [module-dir]
#include <filesystem>
#include <iostream>
#include <otp/code.hpp>
#include <otp/gen_server.hpp>
#include <otp/process.hpp>
#include <otp/runtime.hpp>
#include <otp/sys.hpp>
#include <otp/term_text.hpp>

#include "walkthrough.hpp"

namespace fs = std::filesystem;
using otp::atom;
using otp::term;
using otp::tuple;

namespace {

term call(const char* request) { return otp::gen_server::call(atom("counter"), atom(request)); }

}  // namespace

int main(int argc, char** argv) {
  const fs::path modules = walkthrough::module_dir(argc, argv);
  otp::runtime rt;
  return rt.run([&] {
    walkthrough::say("load counter version 1 and start the counter (registered as counter)");
    otp::code::load_abs(modules / "counter-1.so");
    const term pid = otp::code::start_server(atom("counter"), term(0))[1];
    otp::gen_server::cast(atom("counter"), tuple(atom("increment"), 3));
    otp::gen_server::cast(atom("counter"), atom("print"));
    std::cout << "get: " << call("get") << ", state " << otp::sys::get_state(pid) << "\n";
    std::cout << "reset: " << call("reset") << " (version 1 does not know it)\n";

    walkthrough::say(
        "sys:suspend(counter), l(counter) with version 2, sys:change_code(counter, counter, \"1\", []), "
        "sys:resume(counter)");
    otp::sys::suspend(pid);
    otp::code::load(modules / "counter-2.so");
    std::cout << "change_code: " << otp::sys::change_code(pid, atom("counter"), otp::binary("1"), term()) << "\n";
    otp::sys::resume(pid);
    std::cout << "get: " << call("get") << ", state " << otp::sys::get_state(pid) << ", version "
              << otp::process_info(pid)->vsn << "\n";
    std::cout << "reset: " << call("reset") << ", then get: " << call("get") << "\n";

    walkthrough::say("a gen_server runs no module code between messages: soft_purge removes version 1");
    std::cout << "soft_purge(counter) = " << (otp::code::soft_purge(atom("counter")) ? "true" : "false") << "\n";
    otp::exit(pid, otp::atoms::kill);
    return 0;
  });
}
