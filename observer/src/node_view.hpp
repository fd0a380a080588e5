// node_view — what the observer shows of one node, each part fetched when asked by calls to the
// node's node agent and release handler (private to the observer library). The node is this OS
// process's own (the registered names) or another one reached over distribution ({Name, Node}:
// otpctl observer); the same calls serve both, so both show the same.
//
// Every call waits at most `timeout`: the release handler answers nothing while it runs an install
// (and the node agent's status asks it), and the page must go on showing the install meanwhile.
//
// Thread-safety: const members may be called from any thread with a runtime running (each call is
// a gen_server call made from a process of its own); a failed or timed-out call throws
// otp::exit_exception.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "otp/term.hpp"

namespace otp::observer::detail {

class node_view {
 public:
  // `node`: the node observed, or atoms::undefined for this OS process's node.
  node_view(atom node, std::chrono::milliseconds timeout);

  // #{node, release, vsn}: who is observed.
  boost::json::object overview() const;
  // What `otpctl status --json` prints (status_json.hpp).
  boost::json::array status() const;
  // [{pid, registered_name, status, module, vsn, message_queue_len, memory, messages_received}].
  boost::json::array processes() const;
  // [{name, description, vsn, type, state, reason}]: the release's applications and start types.
  boost::json::array applications() const;
  // [{name, vsn, applications, status}], newest first.
  boost::json::array releases() const;
  // The release history's newest `limit` events, oldest first.
  boost::json::array history(std::int64_t limit) const;
  // The install running now or last (node agent install_progress), or null.
  boost::json::value install() const;
  // The node's metrics in Prometheus' text format (metrics.hpp).
  std::string metrics() const;

 private:
  term status_reply() const;
  term applications_reply() const;
  term agent_call(term request) const;
  term handler_call(term request) const;

  atom node_;
  std::chrono::milliseconds timeout_;
  term agent_;
  term handler_;
};

}  // namespace otp::observer::detail
