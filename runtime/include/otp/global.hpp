// otp::global — names that every node of the cluster knows, as Erlang's `global` module
// (docs/distribution.md#global).
//
// A distributed node runs a `global_name_server` that speaks OTP 25's global protocol, so Erlang
// nodes count this node as synced: a name registered here is seen by `global:whereis_name/1` on
// Erlang nodes, and one registered there is seen by `whereis_name` here. A name goes when its
// process dies or its node goes down. Registration takes global's lock on every node this node
// knows, as `global:register_name/2` does.
//
// Thread-safety: every function may be called from any thread; outside a process each runs in a
// temporary one. All of them need a running node (node::start) and throw badarg without one.
#pragma once

#include <vector>

#include "otp/process.hpp"
#include "otp/term.hpp"

namespace otp::global {

// global:register_name(Name, Pid): true (yes) when the name was free everywhere and the pid had no
// other global name; false (no) otherwise.
bool register_name(const term& name, const term& pid);
// global:unregister_name(Name).
void unregister_name(const term& name);
// global:whereis_name(Name): the pid, or the atom undefined.
term whereis_name(const term& name);
// global:send(Name, Msg): sends and returns the pid; throws badarg when the name is not registered.
term send(const term& name, term message);
// global:registered_names().
std::vector<term> registered_names();
// global:sync(): returns once this node is synced with every visible node connected now (or they
// went down).
void sync();

}  // namespace otp::global
