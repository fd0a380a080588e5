// global_name_server — this node's part in Erlang's `global` (kernel's global.erl, protocol 8 as
// OTP 25 speaks it), so Erlang nodes count it as a synced member of their partition.
//
// One process, registered as `global_name_server`, does the work of OTP's server and of its locker:
//  - on {nodeup, N} of a visible node it runs the connect protocol with N's global_name_server:
//    init_connect (our pid stands for the locker), init_connect_ack, lock_set through the servers,
//    exchange of names, resolved, then new_nodes to the nodes it already knew; it answers the
//    same messages when N starts first. A node it hears of (resolved, new_nodes) is connected to
//    and told {in_sync, ...}, which is how the mesh forms;
//  - it keeps the lock table (set_lock / del_lock calls from Erlang lockers and registrars) and the
//    name table (register / unregister calls, monitored: a name goes when its process dies or its
//    node goes down), and answers sync, whereis and get_known.
// What it leaves out of OTP's protocol is written in docs/distribution.md (it locks only itself when
// two partitions join; it sends no lost_connection; clashes are settled by node name order).
// Ownership: node::start starts it, node::stop kills it; its state lives in the process.
// Thread-safety: a process; start_global_name_server may be called from any thread.
#pragma once

#include "otp/atom.hpp"
#include "otp/term.hpp"

namespace otp::detail::dist {

inline constexpr const char* global_name_server_name = "global_name_server";
// The protocol version this node announces in init_connect (OTP 25's).
inline constexpr std::int64_t global_protocol_version = 8;

// Starts the registered server; `connect_all` false makes it ignore nodeups, as
// `erl -connect_all false`. Returns its pid.
term start_global_name_server(bool connect_all);

// Kills the server (node::stop).
void stop_global_name_server();

// The resolve method sent along with names registered here, where OTP sends the fun
// global:random_exit_name/3: {global, random_exit_name}. A clash is settled by the node with the
// smaller name; when that is an Erlang node calling this method, it fails and the name goes.
term global_resolve_method();

}  // namespace otp::detail::dist
