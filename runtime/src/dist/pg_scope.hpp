// pg_scope — the default `pg` scope process of a distributed node (OTP 25's pg.erl protocol).
//
// It keeps the groups of local processes (monitored: a member that dies leaves, and the other
// scopes are told) and those of every peer scope it discovered. Between scopes, as pg.erl:
// {discover, Peer} on start and on each nodeup (answered by a sync and, for a new peer, a discover
// back), '$gen_cast' {sync, Peer, [{Group, Pids}]}, {join, Peer, Group, PidOrPids},
// {leave, Peer, PidOrPids, Groups}. A peer's members go when its scope process goes (monitor).
// Its API (otp/pg.hpp) calls it with join_local, leave_local, get_members, get_local_members,
// which_groups.
// Ownership: started by node::start, killed by node::stop. Thread-safety: a process.
#pragma once

#include "otp/term.hpp"

namespace otp::detail::dist {

inline constexpr const char* pg_scope_name = "pg";

term start_pg_scope();
void stop_pg_scope();

}  // namespace otp::detail::dist
