// otp::observer::install_json — the outcome of a finished install as one JSON object: what
// `otpctl relup --json` and `otpctl rollback --json` print and what the web observer's relup and
// rollback actions answer, built here once for all of them.
//
//   {node, vsn, from_vsn, direction: "up" | "down", duration_ms, modules_changed,
//    processes_migrated, longest_pause_us, permanent}
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "otp/release_handler_protocol.hpp"

namespace otp::observer {

// `report`: the release handler's install reply, decoded; `permanent`: whether `vsn` is the node's
// permanent release now.
boost::json::object install_json(const std::string& node, const std::string& vsn,
                                 const release::release_handler::install_report& report, bool permanent);

}  // namespace otp::observer
