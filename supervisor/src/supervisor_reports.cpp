// Supervisor reports, rendered as OTP's legacy report layout by otp::log.
#include "supervisor_reports.hpp"

#include <string>

#include "otp/log.hpp"
#include "otp/term_text.hpp"

namespace otp::supervisor {

term child_info(const term& pid, const child_spec& spec, const term& mfargs, std::optional<std::size_t> nb_children) {
  const term first =
      nb_children ? tuple(atom("nb_children"), static_cast<std::int64_t>(*nb_children)) : tuple(atom("pid"), pid);
  return list(first, tuple(atom("id"), spec.id), tuple(atom("mfargs"), mfargs),
              tuple(atom("restart_type"), to_term(spec.restart)), tuple(atom("significant"), spec.significant),
              tuple(atom("shutdown"), spec.effective_shutdown().to_term()),
              tuple(atom("child_type"), to_term(spec.type)));
}

void report_progress(const term& sup_name, const term& pid, const child_spec& spec, const term& mfargs) {
  if (!log::enabled(log::level::info)) return;
  log::report(log::level::info, "progress",
              {{"supervisor", sup_name.to_string()}, {"started", child_info(pid, spec, mfargs).to_string()}});
}

void report_error(const term& sup_name, std::string_view context, const term& reason, const term& pid,
                  const child_spec& spec, const term& mfargs, std::optional<std::size_t> nb_children) {
  if (!log::enabled(log::level::error)) return;
  log::report(log::level::error, "supervisor_report",
              {{"supervisor", sup_name.to_string()},
               {"errorContext", std::string(context)},
               {"reason", to_string(reason, report_limits)},
               {"offender", to_string(child_info(pid, spec, mfargs, nb_children), report_limits)}});
}

}  // namespace otp::supervisor
