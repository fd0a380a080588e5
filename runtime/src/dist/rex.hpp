// rex — the registered `rex` server of every node: what OTP's rpc sends to it.
//
// OTP 25's rpc:call, rpc:cast and rpc:multicall use spawn requests (remote_spawn.hpp); these still
// go to the rex server, and it answers them as OTP's rpc.erl does:
//   gen_server call {call, M, F, A, GroupLeader}        (rpc:call to nodes without spawn support,
//                                                        run in a process of its own)
//   gen_server call {block_call, M, F, A, GroupLeader}  (rpc:block_call, run in the server)
//       the result; a throw's value; {badrpc, {'EXIT', Reason}} for an exit;
//       {badrpc, {'EXIT', {Reason, Stack}}} for an error
//   gen_server cast {cast, M, F, A, GroupLeader}        runs M:F(A...) in a process of its own
//   {From, {call, M, F, A, GroupLeader}}                the same, answered From ! {rex, Result}
//   {From, {send, Name, Msg}}                           Name ! {From, Msg}
//   {From, {sbcast, Name, Msg}}                         Name ! Msg; From ! {rex, Node, Node}
//   {From, features_request}                            From ! {features_reply, Node, [erpc]}
// A name nobody holds is answered {rex, Node, {nonexisting_name, Name}}. Group leaders are ignored.
// Thread-safety: the server is a process; start_rex_process may be called from any thread.
#pragma once

#include "otp/term.hpp"

namespace otp::detail::dist {

// gen_server:start's answer for the registered rex server.
term start_rex_process();

}  // namespace otp::detail::dist
