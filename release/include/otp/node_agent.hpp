// otp::release::node_agent — the node-side end of otpctl (docs/otpctl.md): a registered gen_server
// (`node_agent`) answering what a tool asks a node beyond the release handler's calls. Requests
// and replies are Erlang terms, so a hidden node makes them with gen_server:call({node_agent, Node}):
//
//   status
//       [#{app, vsn, tree}] for each running application (release_handler's which_applications),
//       tree = #{id, pid, type, module, vsn, restarts, children} for a supervisor and
//              #{id, pid, type, module, vsn, restarts[, os_pid]} for a worker; `pid` is a pid or the
//       atom restarting / undefined, `module` and `vsn` what the process runs (empty binaries for
//       a plain function), `restarts` how often its supervisor restarted it after it exited
//       (supervisor::restart_counts), `os_pid` for an OS-process child
//   nodes
//       #{node => ThisNode, visible => [Node], hidden => [Node]}: nodes(), nodes(hidden)
//   {which, Module}
//       not_loaded | #{module, behaviour, current => V, old => V} with V = #{vsn, file, processes}
//       (old only when old code exists; processes: the pids on that version)
//   {load, Module}
//       c:l/1: purge, then load from the code path: {module, Module} | {error, Reason, Text}
//   {load, Module, all_nodes}
//       Erlang's nl/1: c:l here, then the module's bytes to every connected node (node::nl):
//       [{Node, {module, Module} | {error, Reason} | {badrpc, Reason}}], this node first
//   {purge, Module, soft | brutal}
//       code:soft_purge / code:purge: true | false
//   processes
//       [#{pid, registered_name, status, module, vsn, message_queue_len, memory, messages_received}]
//       for every local process alive (process_info; registered_name [] when none)
//   statistics
//       #{processes, messages_sent, messages_received, intensity_exhaustions, schedulers =>
//       [#{run_queue, messages_sent, messages_received}], visible_nodes, hidden_nodes, connections
//       => [#{node, hidden, bytes_sent, bytes_received}]}: the runtime's counters
//       (runtime::statistics), supervisor::intensity_exhaustions, the number of connected nodes
//       and each connection's bytes (node::connections)
//   install_progress
//       undefined, or the install running now or last (since the node started), step by step:
//       #{from_vsn, to_vsn, state => running | ok | failed, elapsed_ms, steps => [#{step,
//       processes, at_ms}], and once ended duration_ms, longest_suspension_us[, reason]}
//   os_pids
//       #{os_pid => Pid, parent_os_pid => Ppid, boot_id => Binary}: the node's OS process, its
//       parent's (the watchdog of a daemon node) and the machine's boot id, so that a tool on the
//       same machine can wait until both processes are gone (otpctl stop)
//   stop
//       ok; then `on_stop` runs in a process of its own (the node program stops the node)
//
// The request tags and the structured replies (nodes, os_pids) as C++ types are in
// node_agent_protocol.hpp, shared by the agent and otpctl.
//
// Ownership and thread-safety: start_link from a process (the agent is linked to it); the request
// functions may be called from any thread or process.
#pragma once

#include <functional>
#include <string>

#include "otp/node_agent_protocol.hpp"
#include "otp/term.hpp"

namespace otp::release::node_agent {

inline const atom registered_name{"node_agent"};

// {ok, Pid} or {error, Reason}.
term start_link(std::function<void()> on_stop);

// `nodes` and `os_pids` decode their replies (protocol_error when a reply has another shape); the
// others return the reply as it came.
term status(const term& agent = registered_name);
connected_nodes nodes(const term& agent = registered_name);
term which(atom module, const term& agent = registered_name);
term load(atom module, const term& agent = registered_name);
term load_everywhere(atom module, const term& agent = registered_name);
term purge(atom module, bool soft, const term& agent = registered_name);
os_process_ids os_pids(const term& agent = registered_name);
term processes(const term& agent = registered_name);
term statistics(const term& agent = registered_name);
term install_progress(const term& agent = registered_name);
term stop(const term& agent = registered_name);

// This machine's boot id (/proc/sys/kernel/random/boot_id; empty when unreadable): two processes
// with the same boot id run on the same machine, so an OS pid of one is meaningful to the other.
std::string machine_boot_id();

}  // namespace otp::release::node_agent
