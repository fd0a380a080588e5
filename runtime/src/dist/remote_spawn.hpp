// remote_spawn — what a process spawned by another node's spawn request runs (private).
//
// Erlang's spawn/4, spawn_link/4, spawn_monitor/4 and spawn_request name Module:Function and its
// arguments; erpc wraps every call as erpc:execute_call(Ref, M, F, A) and every cast as
// erpc:execute_cast(M, F, A). Here these become processes that run the function registered in
// otp::rpc (rpc.hpp) and end as erpc.erl's own code does:
//   erpc:execute_call   exits {Ref, return, Value} | {Ref, throw, Value} | {Ref, exit, Reason} |
//                       {Ref, error, Reason, Stack} (the caller's erpc reads it from the 'DOWN')
//   erpc:execute_cast   ends normally, or as an uncaught exception would
//   any other M:F       ends normally when it returns; error R exits {R, Stack}, throw V exits
//                       {{nocatch, V}, Stack}, exit R exits R (Erlang's exit reasons)
// A function nobody registered raises error undef with the stack [{M, F, Args, []}], as Erlang.
// Thread-safety: the body runs in its own process.
#pragma once

#include <functional>

#include "otp/term.hpp"

namespace otp::detail::dist {

// How Module:Function(Args...) ended, by Erlang's exception class.
struct outcome {
  atom kind;   // return, throw, exit or error
  term value;  // the result, the thrown value, or the reason
  term stack;  // for error: [{M, F, Args, []}] for undef, else [{M, F, Arity, []}]
};
// Runs the registered function in the calling process (an exit signal still ends it).
outcome evaluate(atom module, atom function, const term& args);

// The body for Module:Function(Args...), `args` a proper list.
std::function<void()> remote_spawn_body(atom module, atom function, term args);

}  // namespace otp::detail::dist
