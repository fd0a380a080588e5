// The install outcome described in install_json.hpp.
#include "otp/install_json.hpp"

#include "otp/version_order.hpp"

namespace otp::observer {

boost::json::object install_json(const std::string& node, const std::string& vsn,
                                 const release::release_handler::install_report& report, bool permanent) {
  return {{"node", node},
          {"vsn", vsn},
          {"from_vsn", report.from_vsn},
          {"direction", version_less(report.from_vsn, vsn) ? "up" : "down"},
          {"duration_ms", report.duration_ms},
          {"modules_changed", report.modules_changed},
          {"processes_migrated", report.processes_migrated},
          {"longest_pause_us", report.longest_suspension_us},
          {"permanent", permanent}};
}

}  // namespace otp::observer
