// otp::release::cluster — one release installed on several cookie-joined nodes as one operation
// (docs/cluster.md). OTP's own answer, sync_nodes in a relup, has no timeout and can hang
// forever; here every step has a deadline and an abort path:
//
//   1. every node is asked which releases it has; a node that lacks the target gets it from a node
//      that has it (release_handler push_release: the files go over the distribution connection
//      and each checksum is verified on arrival), then unpacks it;
//   2. prepare: every node prepares the install (release_handler prepare_install: checked,
//      planned, new code prepared, nothing a process sees changed) under one operation id;
//   3. only when every node has prepared does any node pass its point of no return: commit on all;
//      if any node refuses or does not answer in steps 1–2, every node is told to abort (and a
//      prepared node that hears nothing aborts by itself), so all still run the old release.
// A node lost after the commit boots its permanent release when it comes back, and shows as
// behind (cluster_status). Every node records the operation in its own history with the same id.
//
// The same shape serves make_permanent on every node (no two phases needed: it changes no code).
//
// Thread-safety: the functions may be called from any thread or process of a node that is alive
// (otp::node) and connected, or able to connect, to the nodes named.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "otp/term.hpp"

namespace otp::release::cluster {

struct node_result {
  atom node;
  bool ok = false;
  term result;  // the node's reply, or {badrpc, Reason} when it did not answer
};

struct outcome {
  std::string operation;           // the id every node recorded
  bool committed = false;          // every node passed its point of no return
  std::vector<node_result> nodes;  // in the order given
  bool all_ok() const;
};

struct options {
  std::chrono::milliseconds step_timeout{30000};  // each node's answer to each step
  std::string operation;                          // empty: a new unique id
  std::vector<atom> sources;                      // nodes (besides those installing) that may give the release
};

// Installs release `vsn` on every node of `nodes` (upgrade or downgrade, as each node's release
// handler plans it), in the phases above.
outcome install(const std::string& vsn, const std::vector<atom>& nodes, const options& opts = {});

// `otpctl cluster sync`: the release most nodes of `nodes` run (ties: the newest) installed on
// those that run another — a node restarted on its permanent release, a node that joined later —
// with every node of `nodes` as a source. An outcome with no nodes when all agree already.
outcome sync(const std::vector<atom>& nodes, const options& opts = {});

// make_permanent(vsn) on every node.
outcome make_permanent(const std::string& vsn, const std::vector<atom>& nodes, const options& opts = {});

// Each node's current and permanent release: [{Node, Current, Permanent}] ({badrpc, R} for a node
// that does not answer), and whether they all agree.
struct node_releases {
  atom node;
  std::string current;    // empty when unknown
  std::string permanent;  // empty when unknown
  term error;             // nil, or {badrpc, Reason}
};
std::vector<node_releases> status(const std::vector<atom>& nodes, std::chrono::milliseconds timeout);
bool agree(const std::vector<node_releases>& releases);

}  // namespace otp::release::cluster
