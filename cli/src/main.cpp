// otpctl: otp-cpp's command-line tool (docs/otpctl.md). `otpctl --help` lists the
// subcommands, `otpctl <command> --help` explains one; exit codes 0 success, 1 failure, 2 usage.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "cookie_option.hpp"

namespace {

void print_usage(std::ostream& out) {
  out << "Usage: otpctl [--help | --version] <command> [<args>...]\n\n"
         "Controls otp-cpp nodes and their releases. Commands:\n";
  for (const otpctl::command* c : otpctl::all_commands())
    out << "  " << c->name << std::string(c->name.size() < 12 ? 12 - c->name.size() : 1, ' ') << c->summary << "\n";
  out << "\n'otpctl <command> --help' explains a command. Exit status: 0 success, 1 the operation failed,\n"
         "2 usage (a wrong command line).\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  otpctl::hide_secret_arguments(argc, argv);  // parsed from `args`; gone from ps and /proc/PID/cmdline
  if (args.empty()) {
    print_usage(std::cerr);
    return static_cast<int>(otpctl::exit_code::usage);
  }
  const std::string_view first = args[0];
  if (first == "--help" || first == "-h") {
    print_usage(std::cout);
    return static_cast<int>(otpctl::exit_code::ok);
  }
  if (first == "--version") {
    std::cout << "otpctl " << OTP_CPP_VERSION << "\n";
    return static_cast<int>(otpctl::exit_code::ok);
  }
  const otpctl::command* cmd = otpctl::find_command(first);
  if (cmd == nullptr) {
    std::cerr << "otpctl: '" << first << "' is not a command. See 'otpctl --help'.\n";
    return static_cast<int>(otpctl::exit_code::usage);
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  return static_cast<int>(otpctl::run_command(*cmd, rest, std::cout, std::cerr));
}
