// otp::pg — process groups of the default scope, as Erlang's `pg` module (OTP 23+), shared with
// the Erlang nodes and otp-cpp nodes of the cluster (docs/distribution.md#pg-process-groups).
//
// A distributed node runs a `pg` scope process speaking OTP 25's pg protocol (discover, sync,
// join, leave between the scope processes of each node): a process joined here is among
// `pg:get_members(Group)` on Erlang nodes that run the `pg` scope, and their members are among
// `get_members` here. A member leaves when its process dies; a node's members go with its scope
// process (its node going down).
// Thread-safety: every function may be called from any thread (outside a process each runs in a
// temporary one). They need a running node and throw badarg without one.
#pragma once

#include <vector>

#include "otp/term.hpp"

namespace otp::pg {

// pg:join(Group, Pid): Pid (a process of this node) joins Group; it may join more than once.
void join(const term& group, const term& pid);
// pg:leave(Group, Pid): true (ok) when it was a member, false (not_joined) otherwise.
bool leave(const term& group, const term& pid);
// pg:get_members(Group): the members on every node, this one included.
std::vector<term> get_members(const term& group);
// pg:get_local_members(Group).
std::vector<term> get_local_members(const term& group);
// pg:which_groups().
std::vector<term> which_groups();

}  // namespace otp::pg
