// otpctl rollback: which release to go back to, then install_release.
#include "commands/rollback.hpp"

#include <unistd.h>

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cluster_scope.hpp"
#include "node_connection.hpp"
#include "otp/release_handler.hpp"
#include "release_install.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  declare_cluster_options(options);
  options.add_options()("json", "print the outcome as one JSON object");
  arguments.add_options()("vsn", po::value<std::string>());
  positional.add("vsn", 1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const std::optional<std::string> named =
      args.count("vsn") ? std::optional<std::string>(args["vsn"].as<std::string>()) : std::nullopt;
  const bool as_json = args.count("json") > 0;
  check_cluster_options(args);
  return with_node("rollback", args, err, [&](const node_session& s) {
    namespace rh = otp::release::release_handler;
    const std::vector<rh::release_entry> releases = rh::releases(s.release_handler());
    const rh::release_entry* running_entry = rh::running(releases);
    const std::string running = running_entry != nullptr ? running_entry->vsn : "";
    std::string target;
    try {
      target = rh::rollback_target(releases, named, s.node_name());
    } catch (const std::invalid_argument& e) {
      return s.fail(e.what());
    }
    if (const auto scope = cluster_nodes(s, args); !scope.nodes.empty()) {  // the target's choice, everywhere
      otp::release::cluster::options opts;
      opts.step_timeout = s.timeout;
      const auto o = otp::release::cluster::install(target, scope.nodes, opts);
      const exit_code code = print_outcome(s, o, scope.not_taking_part, as_json, out);
      if (!as_json) print_releases(otp::release::cluster::status(scope.nodes, s.timeout), {}, false, out);
      return code;
    }
    if (target == running)
      return s.fail("release " + target + " is already running on node " + s.node_name() + ": nothing to roll back");
    return install_release(s, target, {.progress = !as_json && ::isatty(STDOUT_FILENO) == 1, .json = as_json}, out);
  });
}

}  // namespace

const command rollback{
    "rollback",
    "rollback --node NAME@HOST [--cookie C] [--timeout MS] [--cluster | --nodes A@H,B@H] [--json] [VSN]",
    "Go back to the permanent release, or to release VSN.",
    "Installs the node's permanent release (or VSN) in place of the running one, as 'relup' does: the\n"
    "processes' state is migrated down by code_change, and a line is printed per step when stdout is a\n"
    "terminal. Typical use: 'otpctl relup 1.1.0' was not made permanent and misbehaves; 'otpctl rollback'\n"
    "returns to the permanent 1.0.0. With --json: as relup. Exit status: 0 rolled back; 1 that release\n"
    "is already running, the node has no release VSN, or the install failed.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
