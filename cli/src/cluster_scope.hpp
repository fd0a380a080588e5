// Which nodes a cluster-wide otpctl command acts on, and how its outcome is printed
// (docs/cluster.md): `relup`, `permanent` and `rollback` with `--cluster` or `--nodes`, and
// `otpctl cluster`.
//
//   --cluster          the target node and every node it is connected to (its visible nodes)
//   --nodes A@H,B@H    exactly these nodes (the target --node is only where otpctl connects first)
//
// cluster_nodes returns nothing when neither is given (the command then acts on the target
// alone). print_outcome writes one line per node ("node a@h: ok ..." / "node a@h: failed: ...")
// and the operation id, or with `json` one object {operation, committed, nodes: [{node, ok,
// result}]}; print_releases the nodes' current and permanent releases and whether they agree.
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

// Throws usage_error when both options are given or --nodes is malformed (call it before
// connecting).
void check_cluster_options(const boost::program_options::variables_map& args);
// The nodes of --cluster / --nodes; when neither option was given, nothing — or, with
// `cluster_by_default`, the nodes of --cluster.
std::vector<otp::atom> cluster_nodes(const node_session& s, const boost::program_options::variables_map& args,
                                     bool cluster_by_default = false);

// exit_code::ok when every node succeeded.
exit_code print_outcome(const node_session& s, const otp::release::cluster::outcome& o, bool json, std::ostream& out);
exit_code print_releases(const std::vector<otp::release::cluster::node_releases>& releases, bool json,
                         std::ostream& out);

}  // namespace otpctl
