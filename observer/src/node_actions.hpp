// node_actions — what the observer's actions do to the node observed (private to the observer
// library; docs/observer.md, "Actions"): install a release as `otpctl relup` does, go back to the
// permanent release (or a named one) as `otpctl rollback` does, and restart a running child of a
// supervisor the OTP way (terminate_child, then restart_child). The node is this OS process's own
// or another one reached over distribution, as for node_view, whose answers find the supervisor.
//
// Each action returns its outcome as a JSON object. One the node refuses or that fails throws
// action_error (HTTP status 409) worded as otpctl words it (otp/detail/release_errors.hpp); a
// supervisor or child the node's trees do not have is 404; a call that fails (the node went down,
// a server is not there) throws otp::exit_exception, as node_view's calls do.
//
// Thread-safety: const members may be called from any thread with a runtime running. An install
// waits for its own end (bounded by the release handler's timeouts); a supervisor call waits as
// OTP's do, without a deadline, so only supervisors of the node's trees are ever called.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "node_view.hpp"
#include "otp/term.hpp"

namespace otp::observer::detail {

struct action_error : std::runtime_error {
  action_error(unsigned http_status, const std::string& what) : std::runtime_error(what), status(http_status) {}
  unsigned status;
};

class node_actions {
 public:
  // `node`: the node acted on, or atoms::undefined for this OS process's node; `view` shows the same
  // node and outlives this.
  node_actions(atom node, const node_view& view);

  // {node, vsn, from_vsn, direction, duration_ms, modules_changed, processes_migrated,
  // longest_pause_us, permanent}: what `otpctl relup --json VSN` prints.
  boost::json::object relup(const std::string& vsn) const;
  // The same for the release `otpctl rollback [VSN]` goes back to: `vsn`, or the permanent one.
  boost::json::object rollback(const std::optional<std::string>& vsn) const;
  // {supervisor, child, old_pid, pid}. `supervisor` is a pid as /api/status writes it or a
  // registered name; `child` a child's id as /api/status writes it.
  boost::json::object restart_child(const std::string& supervisor, const boost::json::value& child) const;

 private:
  boost::json::object install(const std::string& vsn) const;
  std::string node_name() const;

  atom node_;
  const node_view& view_;
  term handler_;
};

}  // namespace otp::observer::detail
