// install_progress — the install running now, or the last one, step by step (private to the
// release library): the release handler records it as it goes, and the node agent reports it
// (node_agent `install_progress`), which it can while the handler is busy inside the install.
//
// Only this OS process's installs since it started are known; a new install replaces the last.
//
// Thread-safety: every function may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <string>

#include "otp/term.hpp"

namespace otp::release::detail {

void install_began(const std::string& from_vsn, const std::string& to_vsn);
// A step of the script done: its instruction as Erlang text and the processes it acted on.
void install_step(const std::string& instruction, const term& processes);
void install_ended(bool ok, const std::string& reason, std::int64_t duration_ms, std::int64_t longest_suspension_us);

// undefined when no install ran; else #{from_vsn, to_vsn, state => running | ok | failed,
// elapsed_ms, steps => [#{step, processes, at_ms}], duration_ms, longest_suspension_us, reason}
// (at_ms: since the install began; the last three once it ended).
term install_progress();

}  // namespace otp::release::detail
