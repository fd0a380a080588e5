// otpctl's subcommands: what one is (its name, synopsis, help text, options and body), the exit
// codes every subcommand keeps, and the table `otpctl` dispatches on (docs/otpctl.md).
//
// A subcommand is one file pair in commands/ defining a `command`; command.cpp lists them. The
// dispatcher (run_command) gives every subcommand `--help`, parses its options with
// Boost.Program_options and turns a bad command line into exit code 2 with a one-line message, so
// a body only does its work: it writes its results to `out`, its complaints to `err`, and returns
// exit_code::ok or exit_code::failed (or throws usage_error for a command line its options cannot
// refuse by themselves).
//
// Thread-safety: none needed; otpctl runs one subcommand per process.
#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace otpctl {

// The exit codes scripts can trust.
enum class exit_code : int {
  ok = 0,      // the operation succeeded
  failed = 1,  // the operation was carried out and failed (an invalid file, a pang, ...)
  usage = 2,   // the command line was wrong: nothing was done
};

// A command line the subcommand cannot act on; run_command prints it and exits with `usage`.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct command {
  std::string_view name;      // otpctl <name>
  std::string_view synopsis;  // after "Usage: otpctl ", e.g. "check [--json] FILE..."
  std::string_view summary;   // one line, for `otpctl --help`
  std::string_view details;   // paragraphs for `otpctl <name> --help`
  // Adds the subcommand's options to `options` (listed by --help) and its positional arguments
  // to `arguments` (not listed: the synopsis and details name them) and `positional`.
  void (*declare)(boost::program_options::options_description& options,
                  boost::program_options::options_description& arguments,
                  boost::program_options::positional_options_description& positional);
  // Does the work.
  exit_code (*run)(const boost::program_options::variables_map& args, std::ostream& out, std::ostream& err);
};

// Every subcommand, in the order `otpctl --help` lists them.
std::span<const command* const> all_commands();
const command* find_command(std::string_view name);

// Parses `args` (what follows the subcommand's name) for `cmd`, answers --help, runs it.
exit_code run_command(const command& cmd, const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace otpctl
