// rpc_builtins — the functions every node offers to rpc and erpc callers (private).
//
// erlang:node/0, erlang:nodes/0,1, erlang:system_info/1, init:stop/0, code:which/1 and
// code:all_loaded/0, in OTP's shapes (strings as charlists). The registry (rpc_registry.cpp)
// registers them when first used; init:stop/0 runs the stop handler set with rpc::set_stop_handler.
// Thread-safety: the functions may run in any process at once.
#pragma once

#include <cstddef>
#include <vector>

#include "otp/rpc.hpp"

namespace otp::rpc::detail {

struct builtin {
  atom module;
  atom function;
  std::size_t arity;
  rpc::function body;
};

std::vector<builtin> builtin_functions();

// init:stop/0's effect: the handler given to set_stop_handler, else node::stop().
void run_stop_handler();

}  // namespace otp::rpc::detail
