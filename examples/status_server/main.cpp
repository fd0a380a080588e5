// The status server, step by step: a registered status server, its module "recompiled" with a new
// status text and loaded with l/1 semantics, no change until `reload`, then the new text.
//   build/release/examples/status_server/status_server [module-dir]
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <otp/code.hpp>
#include <otp/process.hpp>
#include <otp/runtime.hpp>
#include <otp/term_text.hpp>

#include "walkthrough.hpp"

namespace fs = std::filesystem;
using otp::atom;
using otp::term;

namespace {

term status_text() {
  otp::send(atom("status"), otp::tuple(atom("status"), otp::self()));
  return (*otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("status")); }))[1];
}

// "Compiling" = putting the built version at status.so in the code path, with a rename.
void install(const fs::path& from, const fs::path& code_dir) {
  fs::copy_file(from, code_dir / "status.so.part", fs::copy_options::overwrite_existing);
  fs::rename(code_dir / "status.so.part", code_dir / "status.so");
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path modules = walkthrough::module_dir(argc, argv);
  const fs::path code_dir = fs::temp_directory_path() / ("status-server-" + std::to_string(::getpid()));
  fs::create_directories(code_dir);
  otp::code::set_path({code_dir});
  otp::runtime rt;
  const int status = rt.run([&] {
    walkthrough::say("test:start(): spawn the server from the code path and register it as status");
    install(modules / "status-1.so", code_dir);
    otp::register_name(atom("status"), otp::code::spawn(atom("status"), term()));
    std::cout << "status: " << status_text() << "\n";

    walkthrough::say("edit, recompile and l(status): the server still runs the code it started with");
    install(modules / "status-2.so", code_dir);
    otp::code::load(atom("status"));
    std::cout << "status: " << status_text() << "\n";

    walkthrough::say("status ! reload: the server continues in the current version");
    otp::send(atom("status"), atom("reload"));
    std::cout << "status: " << status_text() << "\n";
    otp::send(atom("status"), atom("quit"));
    return 0;
  });
  fs::remove_all(code_dir);
  return status;
}
