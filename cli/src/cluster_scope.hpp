// Which nodes a cluster-wide otpctl command acts on, and how its outcome is printed
// (docs/cluster.md): `relup`, `permanent` and `rollback` with `--cluster` or `--nodes`, and
// `otpctl cluster`.
//
//   --cluster          the target node and every node it is connected to (its visible nodes)
//                      that is an otp-cpp node (it answers the node agent); the others (Erlang
//                      nodes) are listed as not taking part
//   --nodes A@H,B@H    exactly these nodes (the target --node is only where otpctl connects first)
//
// cluster_nodes returns nothing when neither is given (the command then acts on the target
// alone). print_outcome writes one line per node ("node a@h: ok ..." / "node a@h: failed: ...";
// "node e@h: not taking part ..." for each node left out) and the operation id, or with `json`
// one object {operation, committed, nodes: [{node, ok, result}], not_taking_part: [Node]};
// print_releases the nodes' current and permanent releases and whether they agree (and the nodes
// not taking part, in the same two ways).
//
// Must run inside a with_node body (a process of the hidden node).
#pragma once

#include <boost/program_options.hpp>
#include <iosfwd>
#include <vector>

#include "node_connection.hpp"
#include "otp/cluster_install.hpp"

namespace otpctl {

void declare_cluster_options(boost::program_options::options_description& options);

// The nodes a cluster-wide command acts on, and the connected nodes it leaves out.
struct cluster_scope {
  std::vector<otp::atom> nodes;
  std::vector<otp::atom> not_taking_part;
};

// Throws usage_error when both options are given or --nodes is malformed (call it before
// connecting).
void check_cluster_options(const boost::program_options::variables_map& args);
// The nodes of --cluster / --nodes; when neither option was given, nothing — or, with
// `cluster_by_default`, the nodes of --cluster.
cluster_scope cluster_nodes(const node_session& s, const boost::program_options::variables_map& args,
                            bool cluster_by_default = false);

// exit_code::ok when every node succeeded.
exit_code print_outcome(const node_session& s, const otp::release::cluster::outcome& o,
                        const std::vector<otp::atom>& not_taking_part, bool json, std::ostream& out);
exit_code print_releases(const std::vector<otp::release::cluster::node_releases>& releases,
                         const std::vector<otp::atom>& not_taking_part, bool json, std::ostream& out);

}  // namespace otpctl
