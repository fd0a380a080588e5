// otp::observer::observer — the web observer (docs/observer.md): an HTTP server that shows a node
// to a browser and to Prometheus. Read-only unless its actions are enabled: it only asks the
// node's node agent and release handler what `otpctl status`, `releases` and `history` ask.
//
//   /                      the page (HTML, JS and CSS built into the library from observer/assets/)
//   /api/overview          {node, release, vsn}
//   /api/status            what `otpctl status --json` prints (status_json.hpp)
//   /api/processes         every process: pid, name, status, module, vsn, message_queue_len,
//                          memory, messages_received; ?sort=message_queue_len|memory|
//                          messages_received (descending) &limit=N
//   /api/applications      the release's applications with their start types and states
//   /api/releases          the releases and their status (current, permanent, unpacked, old)
//   /api/history           the release history, oldest first (?limit=N, default 100)
//   /api/install           the install running now or the last one, step by step, or null
//   /events                server-sent events: an `update` event every update_interval, whose
//                          data is {overview, status, processes, applications, releases,
//                          history, install, stale}; a part that did not come within the
//                          interval (the release handler's, during an install) is left out and
//                          named in `stale`; a `failure` event when nothing came
//   /metrics               Prometheus' text format (metrics.hpp names the families)
//   /api/actions           {enabled, token_is_cookie}: whether the actions below are served
//
// The actions (POST, a JSON object in the body, a JSON object back; docs/observer.md, "Actions"):
//   /api/actions/relup          {vsn}: install release vsn, as `otpctl relup VSN`
//   /api/actions/rollback       {vsn?}: install the permanent release (or vsn), as `otpctl rollback`
//   /api/actions/restart_child  {supervisor, child}: terminate_child then restart_child
// answer 403 while `actions` is off, 401 without `Authorization: Bearer <token>`, 400 for a body
// that is not what they take, 404 for a supervisor or child the node's trees lack, 409 when the
// node refuses or the action fails (the error worded as otpctl words it), 502 when the node does
// not answer; 200 with the outcome otherwise.
//
// The node observed is this OS process's own (a node started by otpctl start with --observer) or
// another one, reached over distribution by a hidden node (otpctl observer --node N).
//
// Ownership and thread-safety: construct with an otp::runtime running (and, for another node,
// this process alive as a node); the observer serves from threads of its own until it is
// destroyed, which closes its connections and joins them; destroy it before the runtime ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "otp/release_file.hpp"
#include "otp/term.hpp"

namespace otp::observer {

struct observer_options {
  std::string bind = "127.0.0.1";                   // the address it listens on
  std::uint16_t port = 0;                           // 0: a free port (observer::port tells which)
  atom node = atoms::undefined;                     // the node observed; undefined: this OS process's own
  std::chrono::milliseconds update_interval{1000};  // the pace of /events
  bool actions = false;                             // serve the actions (off: 403, nothing changes the node)
  std::string token;                                // the actions' bearer token; "": the node's cookie
};

// The observer settings of a node's config file (otpctl start --config FILE), an entry shaped as
// an application's environment, each value an Erlang term (bind: a string, binary or atom):
//   observer:
//     port: 8081
//     bind: '"127.0.0.1"'
//     actions: true
//     token: '"s3cret"'
// nullopt when `config` has no `observer` entry; throws std::invalid_argument for a port that is
// not 0..65535, a bind that is not an address text, an actions that is not true or false, or a
// token that is not a non-empty text.
std::optional<observer_options> options_from_config(const release::configuration& config);

class observer {
 public:
  // Listens at once; throws std::system_error when it cannot (the port is taken, say), and
  // std::invalid_argument when actions are on with no token and no cookie to stand for it.
  explicit observer(observer_options options);
  ~observer();
  observer(const observer&) = delete;
  observer& operator=(const observer&) = delete;

  std::uint16_t port() const noexcept;
  // http://BIND:PORT/
  std::string url() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace otp::observer
