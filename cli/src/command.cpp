// The subcommand table and the dispatcher every subcommand goes through.
#include "command.hpp"

#include <algorithm>
#include <ostream>

#include "commands/application.hpp"
#include "commands/archive.hpp"
#include "commands/call.hpp"
#include "commands/cast.hpp"
#include "commands/check.hpp"
#include "commands/cluster.hpp"
#include "commands/config.hpp"
#include "commands/history.hpp"
#include "commands/load.hpp"
#include "commands/nodes.hpp"
#include "commands/observer.hpp"
#include "commands/permanent.hpp"
#include "commands/ping.hpp"
#include "commands/plan.hpp"
#include "commands/purge.hpp"
#include "commands/releases.hpp"
#include "commands/relup.hpp"
#include "commands/remove.hpp"
#include "commands/rollback.hpp"
#include "commands/send.hpp"
#include "commands/start.hpp"
#include "commands/status.hpp"
#include "commands/stop.hpp"
#include "commands/systemd_unit.hpp"
#include "commands/unpack.hpp"
#include "commands/which.hpp"

namespace otpctl {

namespace po = boost::program_options;

namespace {
constexpr const command* table[] = {
    &commands::start,    &commands::stop,    &commands::ping,        &commands::nodes,     &commands::status,
    &commands::releases, &commands::unpack,  &commands::relup,       &commands::permanent, &commands::rollback,
    &commands::cluster,  &commands::remove,  &commands::history,     &commands::load,      &commands::purge,
    &commands::which,    &commands::call,    &commands::cast,        &commands::send,      &commands::check,
    &commands::plan,     &commands::archive, &commands::application, &commands::config,    &commands::systemd_unit,
    &commands::observer,
};
}  // namespace

std::span<const command* const> all_commands() { return table; }

const command* find_command(std::string_view name) {
  const auto it = std::find_if(std::begin(table), std::end(table), [&](const command* c) { return c->name == name; });
  return it == std::end(table) ? nullptr : *it;
}

exit_code run_command(const command& cmd, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description options("Options");
  options.add_options()("help,h", "print this help and exit");
  po::options_description arguments;
  po::positional_options_description positional;
  cmd.declare(options, arguments, positional);
  po::options_description all;
  all.add(options).add(arguments);
  auto refuse = [&](const char* what) {
    err << "otpctl " << cmd.name << ": " << what << "\nTry 'otpctl " << cmd.name << " --help'.\n";
    return exit_code::usage;
  };
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      out << "Usage: otpctl " << cmd.synopsis << "\n\n" << cmd.summary << "\n\n" << cmd.details << "\n\n" << options;
      return exit_code::ok;
    }
    po::notify(vm);
    return cmd.run(vm, out, err);
  } catch (const po::error& e) {
    return refuse(e.what());
  } catch (const usage_error& e) {
    return refuse(e.what());
  }
}

}  // namespace otpctl
