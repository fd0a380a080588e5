// How an otpctl subcommand reaches a running node: the options every node command
// takes, and with_node, which connects and runs the command's body as a process of a hidden node.
//
//   --node NAME@HOST   the target (required)
//   --cookie COOKIE    the cookie; or --cookie-file PATH (cookie_option.hpp); default:
//                      ~/.erlang.cookie, read (or created) as erl does
//   --timeout MS       how long the node may take to do what it is asked (default 60000)
//   --tls-cert FILE --tls-key FILE --tls-ca FILE [--tls-no-verify]
//                      connect over TLS, as the node must be (tls_option.hpp)
//
// with_node starts an otp::runtime and makes this process the hidden node otpctl_<ospid>@HOST
// (long names when HOST has a dot or is an IP address, short names otherwise), pings the target,
// then runs `body` in a process of its own and waits for it at most --timeout plus a second (so
// that a call made with --timeout, such as `otpctl call`'s, reports its own timeout). Every failure is
// one line on `err`, "otpctl <command>: ...", and exit_code::failed:
//   - the target is not running: EPMD on HOST knows no such name, or no EPMD answers there;
//   - the target refused the connection although it is registered: most likely a wrong cookie;
//   - the --cookie-file cannot be used (missing, readable by others, empty);
//   - a call in `body` failed (otp/detail/release_errors.hpp explains noproc, nodedown, timeout);
//   - `body` did not finish in time (it is killed).
// A malformed --node throws usage_error. Runtime log records below `error` are silenced unless
// OTP_LOG_LEVEL is set, so that stderr carries otpctl's own lines only.
//
// Thread-safety: call once per OS process, from main's thread, with no runtime running.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "command.hpp"
#include "otp/term.hpp"

namespace otpctl {

// What a body needs to address the target and to complain.
struct node_session {
  otp::atom node;                     // the target
  std::chrono::milliseconds timeout;  // --timeout, for calls that take their own
  std::string_view command;           // the subcommand's name
  std::ostream& err;
  // Writes "otpctl <command>: <message>" on err; returns exit_code::failed.
  exit_code fail(const std::string& message) const;
  // {Name, Node}: a registered process on the target.
  otp::term registered(otp::atom name) const { return otp::tuple(name, node); }
  otp::term release_handler() const { return registered(otp::atom("release_handler")); }
  otp::term node_agent() const { return registered(otp::atom("node_agent")); }
  std::string node_name() const { return std::string(node.text()); }
};

// Adds --node, --cookie, --cookie-file, the --tls ones and --timeout to `options`.
void declare_node_options(boost::program_options::options_description& options);

// Connects to the node of `args` and runs `body` (see above). `on_unreachable`, when given, runs
// before the error line when the ping fails (ping prints "pang"). `bounded` false: the body runs
// as long as it likes (otpctl observer, which serves until it is stopped); --timeout then bounds
// the connection only.
exit_code with_node(std::string_view command, const boost::program_options::variables_map& args, std::ostream& err,
                    const std::function<exit_code(const node_session&)>& body,
                    const std::function<void()>& on_unreachable = {}, bool bounded = true);

}  // namespace otpctl
