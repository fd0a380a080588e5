// otpctl cluster: status (every node's current and permanent release, whether they agree) and
// sync (the release most nodes run installed on the others, as one operation).
#include "commands/cluster.hpp"

#include <ostream>
#include <string>

#include "cluster_scope.hpp"
#include "node_connection.hpp"
#include "otp/cluster_install.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("nodes", po::value<std::string>(),
                        "these nodes (comma-separated NAME@HOST) instead of the target and its connected nodes")(
      "json", "print the result as one JSON object");
  arguments.add_options()("action", po::value<std::string>());
  positional.add("action", 1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const std::string action = args.count("action") ? args["action"].as<std::string>() : "";
  if (action != "status" && action != "sync") throw usage_error("give the action: status or sync");
  check_cluster_options(args);
  const bool as_json = args.count("json") > 0;
  return with_node("cluster", args, err, [&](const node_session& s) {
    const cluster_scope scope = cluster_nodes(s, args, true);
    const std::vector<otp::atom>& nodes = scope.nodes;
    namespace cluster = otp::release::cluster;
    if (action == "status")
      return print_releases(cluster::status(nodes, s.timeout), scope.not_taking_part, as_json, out);
    cluster::options opts;
    opts.step_timeout = s.timeout;
    const cluster::outcome o = cluster::sync(nodes, opts);
    if (o.nodes.empty()) {
      if (!as_json) out << "the nodes agree: nothing to sync\n";
      return print_releases(cluster::status(nodes, s.timeout), scope.not_taking_part, as_json, out);
    }
    const exit_code code = print_outcome(s, o, scope.not_taking_part, as_json, out);
    if (!as_json) print_releases(cluster::status(nodes, s.timeout), {}, false, out);
    return code;
  });
}

}  // namespace

const command cluster{
    "cluster",
    "cluster --node NAME@HOST [--cookie C] [--timeout MS] [--nodes A@H,B@H] [--json] status|sync",
    "Every node's releases (status), or bring the lagging nodes to the cluster's release (sync).",
    "The cluster is the target node and every node it is connected to, or the nodes of --nodes.\n"
    "status prints each node's current and permanent release and whether they all agree (exit 1 when\n"
    "they do not). sync installs the release most of the nodes run (ties: the newer) on the nodes that\n"
    "run another — a node that joined later, a node that came back on its permanent release — as one\n"
    "operation (docs/cluster.md), sending the release to nodes that lack it. With --json: status gives\n"
    "{agree, nodes: [{node, current, permanent, error}]}, sync {operation, committed, nodes: [{node, ok,\n"
    "result}]}. Exit status: 0 the nodes agree (status) or every lagging node was synced (sync); 1\n"
    "otherwise; 2 no action.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
