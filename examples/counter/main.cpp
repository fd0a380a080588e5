// Seed 003, step by step: a counter process on version 1, version 2 loaded while it runs, the
// process still on version 1 until `code_switch`, and its sum kept across the switch.
//   build/release/examples/counter/counter [module-dir]
#include <filesystem>
#include <iostream>
#include <otp/code.hpp>
#include <otp/process.hpp>
#include <otp/runtime.hpp>
#include <otp/term_text.hpp>

namespace fs = std::filesystem;
using otp::atom;
using otp::term;
using otp::tuple;

namespace {

// The sum, asked the way the seed does: Pid ! {counter, self()}.
term sum_of(const term& counter) {
  otp::send(counter, tuple(atom("counter"), otp::self()));
  return (*otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("counter")); }))[1];
}

void say(const std::string& what) { std::cout << "\n> " << what << std::endl; }

}  // namespace

int main(int argc, char** argv) {
  const fs::path modules = argc > 1 ? fs::path(argv[1]) : fs::path(OTP_EXAMPLE_MODULES);
  otp::runtime rt;
  return rt.run([&] {
    say("load counter version 1 and spawn a counter on it");
    otp::code::load_abs(modules / "counter-1.so");
    const term pid = otp::code::spawn(atom("counter"), term(0));
    otp::send(pid, tuple(atom("increment"), 3));
    otp::send(pid, tuple(atom("print")));
    std::cout << "sum: " << sum_of(pid) << ", version " << otp::process_info(pid)->vsn << "\n";

    say("load version 2 (it knows {reset}); the process still runs version 1");
    otp::code::load_abs(modules / "counter-2.so");
    otp::send(pid, tuple(atom("reset")));
    std::cout << "after {reset}: sum " << sum_of(pid) << " (version 1 did not know it)\n";

    say("code_switch: the process continues in the current version with its sum");
    otp::send(pid, atom("code_switch"));
    std::cout << "sum: " << sum_of(pid) << ", version " << otp::process_info(pid)->vsn << "\n";
    otp::send(pid, tuple(atom("reset")));
    std::cout << "after {reset}: sum " << sum_of(pid) << "\n";

    say("nobody runs version 1 any more: soft_purge removes it");
    std::cout << "soft_purge(counter) = " << (otp::code::soft_purge(atom("counter")) ? "true" : "false") << "\n";
    otp::exit(pid, otp::atoms::kill);
    return 0;
  });
}
