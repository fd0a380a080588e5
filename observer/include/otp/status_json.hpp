// otp::observer::status_json — the supervision trees of a node as one JSON document: what
// `otpctl status --json` prints and what the web observer serves at /api/status, built here once
// for both.
//
//   [{app, vsn, tree}...]                          the running applications (node_agent `status`)
//   [{app, vsn, state: "stopped", type, reason}...] then the release's stopped ones (release
//                                                   handler `applications`)
//   tree = {id, pid, type, module, vsn, restarts, [os_pid,] [children]}
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "otp/term.hpp"

namespace otp::observer {

// `status`: the node agent's status reply; `applications`: the release handler's applications
// reply. Both must be proper lists (the caller checks the replies' shape).
boost::json::array status_json(const term& status, const term& applications);

// A term's text as otpctl shows it: a binary's bytes, anything else in Erlang syntax, "" for null.
std::string text_of(const term* t);

}  // namespace otp::observer
