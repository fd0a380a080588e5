// code_push — nl/1 for otp-cpp nodes, with results.
//
// Every node runs `code_push_server`, a gen_server registered as `otp_code_push`. It answers
// {load_binary, Module, FileName, Bytes} by storing the bytes in its code path (the first
// directory of code:get_path, else a directory of its own under the system temp dir) under
// FileName's base name and loading them with code::load_binary (purge first), and replies what
// that returned: {module, Module} or {error, Reason}.
// node::nl / node::code_push (node.hpp) call it on every node at once and collect the answers.
// Thread-safety: the server is a process; start_code_push_process may be called from any thread.
#pragma once

#include "otp/term.hpp"

namespace otp::detail::dist {

inline constexpr const char* code_push_name = "otp_code_push";

// gen_server:start's answer for the registered otp_code_push server.
term start_code_push_process();

}  // namespace otp::detail::dist
