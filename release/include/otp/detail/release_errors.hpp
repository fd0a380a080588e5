// One-line explanations of what went wrong on the far side, shared by otpctl (its messages on
// stderr) and the web observer's actions (their JSON answers), so both say the same:
// the exit reason of a failed call to a node (noproc, nodedown, timeout, a server that died) and
// the {error, Reason} replies of a node's release handler (docs/release-handler.md).
//
// Each function names the node, the release or the process involved and keeps the reason's
// Erlang text where it is not one it knows, so nothing is hidden.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>

#include "otp/term.hpp"

namespace otp::release {

// The reason of an otp::exit_exception thrown by a call to a server on `node`
// (gen_server::call's {noproc, Where}, {{nodedown, Node}, Where}, {timeout, Where}, ...).
std::string explain_call_failure(const otp::term& reason, otp::atom node);

// The Reason of a release handler's {error, Reason} reply on `node`.
std::string explain_release_error(const otp::term& reason, otp::atom node);

// The Reason of a failed install of release `vsn`: a step of the upgrade script that failed
// ({code_change_failed, Pid, Module, OldVsn, Why}, {suspend_failed, ...}, ...) says that the
// install was attempted and undone, and why; any other reason as explain_release_error.
std::string explain_install_error(const otp::term& reason, otp::atom node, const std::string& vsn);

}  // namespace otp::release
