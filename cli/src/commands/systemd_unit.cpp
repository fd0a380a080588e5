// otpctl systemd-unit: the unit file text, with ExecStart's words quoted as systemd reads them.
#include "commands/systemd_unit.hpp"

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "tls_option.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// One word of a unit file's command line: systemd splits on spaces, reads quotes and backslashes,
// and expands % specifiers and $ variables, so those are escaped ('%%', '$$').
std::string unit_word(const std::string& word) {
  std::string escaped;
  bool needs_quotes = word.empty();
  for (char c : word) {
    if (c == '%' || c == '$') escaped.push_back(c);  // %% and $$
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c);
    if (c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\' || c == ';') needs_quotes = true;
  }
  return needs_quotes ? "\"" + escaped + "\"" : escaped;
}

// A path given on the command line, made absolute: a unit runs from /, not from here.
std::string absolute_path(const po::variables_map& args, const char* option) {
  return fs::absolute(args[option].as<std::string>()).lexically_normal().string();
}

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  auto add = options.add_options();
  add("name", po::value<std::string>()->value_name("NAME@HOST"), "the node's long name (erl -name)");
  add("sname", po::value<std::string>()->value_name("NAME"), "the node's short name (erl -sname)");
  add("root", po::value<std::string>()->value_name("DIR"), "the release root the node boots (required)");
  add("cookie-file", po::value<std::string>()->value_name("FILE"),
      "the file holding the cookie (default: ~/.erlang.cookie of the unit's user)");
  declare_tls_options(options);
  add("user", po::value<std::string>()->value_name("USER"), "run the node as this user (default: root)");
  add("otpctl", po::value<std::string>()->value_name("PATH"), "the otpctl the unit runs (default: this one)");
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream&) {
  const bool long_name = args.count("name") > 0;
  if (long_name == (args.count("sname") > 0)) throw usage_error("give the node's name with either --name or --sname");
  if (!args.count("root")) throw usage_error("the option '--root' is required but missing");
  const std::string node = args[long_name ? "name" : "sname"].as<std::string>();
  const std::string root = absolute_path(args, "root");
  std::error_code ec;
  const std::string otpctl =
      args.count("otpctl") ? absolute_path(args, "otpctl") : fs::read_symlink("/proc/self/exe", ec).string();

  std::vector<std::string> command{otpctl, "start", long_name ? "--name" : "--sname", node, "--root", root};
  if (args.count("cookie-file")) {
    command.push_back("--cookie-file");
    command.push_back(absolute_path(args, "cookie-file"));
  }
  if (const auto tls = tls_from(args)) {
    const std::vector<std::string> flags = tls_arguments(*tls);
    command.insert(command.end(), flags.begin(), flags.end());
  }
  std::string exec_start;
  for (const std::string& word : command) {
    if (!exec_start.empty()) exec_start.push_back(' ');
    exec_start.append(unit_word(word));
  }

  out << "# The otp-cpp node " << node << ", booting the release root " << root << ".\n"
      << "# Written by 'otpctl systemd-unit'; install it as /etc/systemd/system/<unit>.service.\n"
      << "[Unit]\n"
      << "Description=otp-cpp node " << node << "\n"
      << "Wants=network-online.target\n"
      << "After=network-online.target\n"
      << "\n"
      << "[Service]\n"
      << "# In the foreground: systemd is the node's watchdog. SIGTERM stops it cleanly.\n"
      << "Type=simple\n"
      << "ExecStart=" << exec_start << "\n"
      << "Restart=on-failure\n"
      << "RestartSec=5\n"
      << "KillMode=mixed\n"
      << "TimeoutStopSec=60\n";
  if (args.count("user")) out << "User=" << args["user"].as<std::string>() << "\n";
  out << "\n"
      << "[Install]\n"
      << "WantedBy=multi-user.target\n";
  return exit_code::ok;
}

}  // namespace

const command systemd_unit{
    "systemd-unit",
    "systemd-unit (--name NAME@HOST | --sname NAME) --root DIR [--cookie-file FILE] "
    "[--tls-cert FILE --tls-key FILE (--tls-ca FILE | --tls-no-verify)] [--user USER] [--otpctl PATH]",
    "Print a systemd unit file that runs a node in the foreground.",
    "Prints a systemd service unit (stdout) whose ExecStart is 'otpctl start --name NODE --root DIR'\n"
    "without --daemon: Type=simple, the node in the foreground, systemd restarting it when it fails\n"
    "(Restart=on-failure, the watchdog's job) and stopping it with SIGTERM, a clean stop. The cookie is\n"
    "never on the command line: with --cookie-file FILE the node reads it from FILE, otherwise from\n"
    "~/.erlang.cookie of the unit's user (--user, default root). The --tls flags go to the node as\n"
    "they are (distribution over TLS, docs/distribution.md). Paths are made absolute; the unit runs\n"
    "this otpctl unless --otpctl names another. Save it as /etc/systemd/system/NAME.service, then\n"
    "'systemctl daemon-reload' and 'systemctl enable --now NAME' (docs/otpctl.md).\n"
    "Exit status: 0 printed; 2 usage (no name, no --root).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
