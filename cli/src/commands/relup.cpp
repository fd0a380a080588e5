// otpctl relup: check_install for a dry run, install_release otherwise.
#include "commands/relup.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <ostream>
#include <string>

#include "cluster_scope.hpp"
#include "node_connection.hpp"
#include "otp/detail/release_errors.hpp"
#include "otp/release_handler.hpp"
#include "release_install.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  declare_cluster_options(options);
  options.add_options()("dry-run", "print the script the install would run; change nothing")(
      "json", "print the outcome (or the planned script) as one JSON object");
  arguments.add_options()("vsn", po::value<std::string>());
  positional.add("vsn", 1);
}

exit_code dry_run(const node_session& s, const std::string& vsn, bool as_json, std::ostream& out) {
  namespace rh = otp::release::release_handler;
  const otp::term reply = rh::check_install(vsn, s.release_handler());
  if (const auto reason = rh::error_of(reply)) return s.fail(otp::release::explain_release_error(*reason, s.node));
  const rh::install_plan plan = rh::decode_install_plan(reply);
  const std::string& from = plan.from_vsn;
  const std::string direction = plan.upgrade ? "up" : "down";
  const std::string& script = plan.script;
  if (as_json) {
    out << boost::json::serialize(boost::json::object{
               {"node", s.node_name()}, {"vsn", vsn}, {"from_vsn", from}, {"direction", direction}, {"script", script}})
        << "\n";
    return exit_code::ok;
  }
  out << "node " << s.node_name() << ": " << (direction == "up" ? "upgrade" : "downgrade") << " from " << from << " to "
      << vsn << " would run (dry run: nothing changed):\n"
      << script << (script.ends_with('\n') ? "" : "\n");
  return exit_code::ok;
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("vsn")) throw usage_error("no VSN: give the release to install");
  const std::string vsn = args["vsn"].as<std::string>();
  const bool as_json = args.count("json") > 0;
  const bool dry = args.count("dry-run") > 0;
  check_cluster_options(args);
  if (dry && (args.count("cluster") || args.count("nodes")))
    throw usage_error("--dry-run plans one node: no --cluster");
  return with_node("relup", args, err, [&](const node_session& s) {
    if (dry) return dry_run(s, vsn, as_json, out);
    if (const auto scope = cluster_nodes(s, args); !scope.nodes.empty()) {
      namespace cluster = otp::release::cluster;
      cluster::options opts;
      opts.step_timeout = s.timeout;
      const cluster::outcome o = cluster::install(vsn, scope.nodes, opts);
      const exit_code code = print_outcome(s, o, scope.not_taking_part, as_json, out);
      if (!as_json) print_releases(cluster::status(scope.nodes, s.timeout), {}, false, out);
      return code;
    }
    return install_release(s, vsn, {.progress = !as_json && ::isatty(STDOUT_FILENO) == 1, .json = as_json}, out);
  });
}

}  // namespace

const command relup{
    "relup",
    "relup --node NAME@HOST [--cookie C] [--timeout MS] [--dry-run | --cluster | --nodes A@H,B@H] [--json] VSN",
    "Upgrade (or downgrade) a running node to the unpacked release VSN.",
    "Installs release VSN while the node runs: the relup from the running release is planned from the\n"
    "appups, the processes concerned are suspended, their code loaded and their state migrated by\n"
    "code_change, then resumed (an update with 'mode: rolling' migrates each process on its own while\n"
    "the others serve; --dry-run marks its rolling groups). When stdout is a terminal a line is\n"
    "printed per step; then the result, with the longest time any process handled nothing else:\n"
    "  node a@h: upgraded from 1.0.0 to 1.1.0 in 12 ms (1 module changed, 1 process migrated;\n"
    "  longest pause of any process 840 µs)\n"
    "The release runs until the node restarts; 'otpctl permanent VSN' makes it stay. A failed install\n"
    "changes nothing: the node keeps running the old release. --dry-run prints the low-level script the\n"
    "install would run and changes nothing. With --json: {node, vsn, from_vsn, direction, duration_ms,\n"
    "modules_changed, processes_migrated, longest_pause_us, permanent}, or for a dry run {node, vsn, from_vsn, "
    "direction,\n"
    "script}. With --cluster (the target and every node it is connected to) or --nodes, VSN is installed\n"
    "on all of them as one operation (docs/cluster.md): sent to the nodes that lack it, prepared on\n"
    "every node, and committed only when every node prepared — otherwise aborted everywhere, nothing\n"
    "changed; one line per node, then every node's releases. Exit status: 0 installed (or planned); 1\n"
    "no release VSN, VSN already running, no upgrade path, or the install failed (on any node); 2 no VSN.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
