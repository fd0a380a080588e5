// The adder on one node, step by step: version 1 answers add(4, 5); version 2 (it also logs
// "Calculating like a boss!") is loaded with l/1 semantics and the very next call runs it. Pushing
// it to every node of a cluster (nl/1, `otpctl load adder --all-nodes`) needs two nodes: see
// README.md.
//   build/<preset>/examples/adder/adder [module-dir]
#include <filesystem>
#include <iostream>
#include <otp/code.hpp>
#include <otp/gen_server.hpp>
#include <otp/process.hpp>
#include <otp/runtime.hpp>
#include <otp/term_text.hpp>

#include "walkthrough.hpp"

namespace fs = std::filesystem;
using otp::atom;
using otp::term;

namespace {

term add(long long a, long long b) { return otp::gen_server::call(atom("adder"), otp::tuple(atom("add"), a, b)); }

}  // namespace

int main(int argc, char** argv) {
  const fs::path modules = walkthrough::module_dir(argc, argv);
  otp::runtime rt;
  return rt.run([&] {
    walkthrough::say("load adder version 1 and start the server (registered as adder)");
    otp::code::load_abs(modules / "adder-1.so");
    const term started = otp::code::start_server(atom("adder"), term());
    std::cout << "add(4, 5) = " << add(4, 5) << "\n";

    walkthrough::say("edit, recompile and l(adder): the next call runs version 2");
    otp::code::load(modules / "adder-2.so");
    std::cout << "add(1, 2) = " << add(1, 2) << "\n";
    otp::exit(started[1], otp::atoms::kill);
    return 0;
  });
}
