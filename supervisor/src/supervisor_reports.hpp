// Supervisor reports as OTP makes them: progress (info) and supervisor_report (error) through
// otp::log, with OTP's fields. Nothing is built when the level drops the record.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "otp/child_spec.hpp"
#include "otp/term.hpp"

namespace otp::supervisor {

// [{pid,P} | {nb_children,N}, {id,Id}, {mfargs,MFA}, {restart_type,T}, {significant,B}, {shutdown,S}, {child_type,W}]
term child_info(const term& pid, const child_spec& spec, const term& mfargs,
                std::optional<std::size_t> nb_children = std::nullopt);

void report_progress(const term& sup_name, const term& pid, const child_spec& spec, const term& mfargs);

// errorContext: start_error, child_terminated, shutdown_error or shutdown.
void report_error(const term& sup_name, std::string_view context, const term& reason, const term& pid,
                  const child_spec& spec, const term& mfargs, std::optional<std::size_t> nb_children = std::nullopt);

}  // namespace otp::supervisor
