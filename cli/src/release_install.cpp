// The install call, its progress printer and the report.
#include "release_install.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <ostream>
#include <vector>

#include "otp/detail/release_errors.hpp"
#include "otp/install_json.hpp"
#include "otp/process.hpp"
#include "otp/release_handler.hpp"
#include "otp/version_order.hpp"

namespace otpctl {

namespace {

using otp::atom;
using otp::term;

std::string count_with_noun(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A process that prints each progress message as a line until told {flush, From, Ref}, which it
// answers with Ref once every earlier message is printed.
term start_printer(std::ostream& out) {
  return otp::spawn_link([&out] {
    for (;;) {
      const term m = otp::receive();
      if (const auto progress = otp::release::release_handler::decode_install_progress(m)) {
        out << "  step: " << progress->step;
        if (!progress->processes.empty()) {
          out << "  [";
          for (std::size_t i = 0; i < progress->processes.size(); ++i)
            out << (i ? " " : "") << progress->processes[i].to_string();
          out << "]";
        }
        out << std::endl;
      } else if (m.is_tuple(3) && m[0].is_atom(atom("flush"))) {
        otp::send(m[1], m[2]);
        return;
      }
    }
  });
}

// Whether `vsn` is the permanent release now.
bool is_permanent(const node_session& s, const std::string& vsn) {
  namespace rh = otp::release::release_handler;
  const std::vector<rh::release_entry> releases = rh::releases(s.release_handler());
  const rh::release_entry* permanent = rh::find_status(releases, otp::release::release_status::permanent);
  return permanent != nullptr && permanent->vsn == vsn;
}

}  // namespace

// 840 µs, 12.3 ms
std::string pause_text(std::int64_t us) {
  if (us < 1000) return std::to_string(us) + " µs";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(us) / 1000.0);
  return text;
}

exit_code install_release(const node_session& s, const std::string& vsn, install_output how, std::ostream& out) {
  term options = otp::map({});
  term printer;
  if (how.progress) {
    printer = start_printer(out);
    options = otp::map({{atom("progress"), printer}});
  }
  const term reply = otp::release::release_handler::install(vsn, options, s.release_handler());
  if (how.progress) {
    const term ref = otp::make_ref();
    otp::send(printer, otp::tuple(atom("flush"), otp::self(), ref));
    otp::receive([&](const term& m) { return m == ref; });
  }
  if (const auto reason = otp::release::release_handler::error_of(reply))
    return s.fail(otp::release::explain_install_error(*reason, s.node, vsn));
  const auto report = otp::release::release_handler::decode_install_report(reply);
  const std::string& from = report.from_vsn;
  const bool up = otp::version_less(from, vsn);
  const std::int64_t duration = report.duration_ms;
  const std::int64_t modules = report.modules_changed;
  const std::int64_t processes = report.processes_migrated;
  const std::int64_t longest_pause_us = report.longest_suspension_us;
  const bool permanent = is_permanent(s, vsn);
  if (how.json) {
    out << boost::json::serialize(otp::observer::install_json(s.node_name(), vsn, report, permanent)) << "\n";
    return exit_code::ok;
  }
  out << "node " << s.node_name() << ": " << (up ? "upgraded" : "downgraded") << " from " << from << " to " << vsn
      << " in " << duration << " ms (" << count_with_noun(modules, "module", "modules") << " changed, "
      << count_with_noun(processes, "process", "processes") << " migrated; longest pause of any process "
      << pause_text(longest_pause_us) << ")\n";
  if (!permanent)
    out << "release " << vsn << " runs until the node restarts; 'otpctl permanent " << vsn << "' makes it stay\n";
  return exit_code::ok;
}

}  // namespace otpctl
