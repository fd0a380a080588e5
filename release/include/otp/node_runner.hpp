// otp::release::run_node — what `otpctl start` runs: this OS process as a distributed node that
// boots a release root's permanent release and serves until it is told to stop.
//
// In order: SIGINT and SIGTERM are blocked in every thread (a signal thread waits for them), the
// runtime starts, the node goes alive (otp::node::start: EPMD, listener, cookie), the release
// handler boots the permanent release (release_handler.hpp), the node agent starts
// (node_agent.hpp, for otpctl), and `on_ready` is called with the release booted. The node then
// runs until SIGINT, SIGTERM, the node agent's `stop` or an Erlang node's init:stop/0 (rpc.hpp;
// the node also offers release_handler:which_releases and application:which_applications to rpc):
// the release handler stops the applications in reverse order, the node leaves EPMD, the runtime
// ends, and run_node returns 0.
// A node that cannot start (a bad name, a refused cookie, no release to boot, a bad config file)
// returns 1 after `on_error`; so does a node whose release handler dies. A node stopped by an
// application (a permanent one exited, or a transient one abnormally: application_controller.hpp)
// returns exit_application_stopped once the other applications are stopped, which is what tells
// a watchdog to boot it again.
//
// Ownership and thread-safety: call once per OS process, from its main thread, with no
// otp::runtime running.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "otp/node.hpp"

namespace otp::release {

// run_node's result when an application's exit stopped the node.
inline constexpr int exit_application_stopped = 3;

struct node_config {
  node::options node;
  std::filesystem::path root;
  std::optional<std::string> first_boot_vsn;
  std::optional<std::filesystem::path> config_file;  // the node's config file (otpctl start --config)
  std::function<void(const std::string& release_name, const std::string& vsn)> on_ready;
  std::function<void(const std::string& message)> on_error;
  // A service layered above this library (otpctl start's web observer, docs/observer.md): started
  // with the release booted, before on_ready, from the node's main process; it returns what stops
  // it, which runs once the node is told to stop, before the applications stop. A service that
  // throws stops the node: run_node returns 1 after on_error.
  std::function<std::function<void()>()> start_services;
};

int run_node(const node_config& config);

}  // namespace otp::release
