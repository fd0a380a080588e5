// otp::release::application_controller — OTP's application controller for the booted release: it
// loads, starts and stops the release's applications and judges what an application's end means
// for the node (docs/applications.md).
//
// Starting an application loads its modules from the release root, loads its environment
// (otp::application, from the application file's `env:` overridden by the release's `config:` and
// then by the node's config file) and starts its top supervisor linked to the calling process.
// Start types, as the release file gives them (OTP's rules):
//   permanent  its top supervisor exits, for any reason: the node stops;
//   transient  it exits with reason normal: reported; any other reason: the node stops;
//   temporary  it exits: reported, the node keeps running;
//   load       modules and environment loaded, nothing started;  none: nothing at all.
// An application stopped on purpose (stop, otpctl application stop) never stops the node.
// `exited` gives the verdict; stopping the node (the other applications, then the OS process) is
// the owner's job (the release handler).
//
// Ownership and thread-safety: owned and used by one process (the release handler), which must
// trap exits: the top supervisors are linked to it and their exit signals come to it as messages,
// to be passed to `exited`.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/application.hpp"
#include "otp/application_file.hpp"
#include "otp/release_file.hpp"
#include "otp/release_root.hpp"
#include "otp/term.hpp"

namespace otp::release {

// An application that could not be loaded or started; reason() is the Erlang reason
// ({no_such_file, M, Dir}, {load_failed, ...}, {application_start_failure, App, R}, ...).
class application_error : public std::runtime_error {
 public:
  explicit application_error(term reason) : std::runtime_error(reason.to_string()), reason_(std::move(reason)) {}
  const term& reason() const noexcept { return reason_; }

 private:
  term reason_;
};

// What an application's end means.
struct application_exit {
  atom app = atoms::undefined;
  std::string vsn;
  appup::start_type type = appup::start_type::permanent;
  term reason;
  bool stops_node = false;  // permanent, or transient with a reason other than normal
};

// The environment `app` gets: its file's env, then the release's config for it, then the node's.
application::environment effective_env(const application_spec& app, const configuration& release_config,
                                       const configuration& node_config);

// What an upgrade changed in one environment (the arguments of OTP's config_change/3).
struct env_change {
  term changed;  // [{Key, NewValue}] for keys in both with different values
  term added;    // [{Key, Value}] for keys only in the new environment
  term removed;  // [Key] for keys only in the old one
  bool empty() const { return changed.is_nil() && added.is_nil() && removed.is_nil(); }
};
env_change diff_env(const application::environment& before, const application::environment& after);

class application_controller {
 public:
  explicit application_controller(release_root root) : root_(std::move(root)) {}
  application_controller(const application_controller&) = delete;
  application_controller& operator=(const application_controller&) = delete;
  ~application_controller();  // unloads the environments it loaded

  // The node's config file, applied over every environment loaded from now on.
  void set_node_config(configuration config) { node_config_ = std::move(config); }

  // Loads and starts `app` with start type `type`; throws application_error. Starting an
  // application that runs already is {already_started, App}.
  void start(const application_spec& app, appup::start_type type, const configuration& release_config);
  // Stops a running application (its top supervisor, shutdown) and waits for it; false when it was
  // not running. Its environment stays loaded, as in OTP.
  bool stop(atom app);
  // Stops every running application, the last started first.
  void stop_all();

  // The exit signal {'EXIT', From, Reason} that `from` sent, if `from` is the top supervisor of a
  // running application: the application is no longer running, and this says what it means.
  std::optional<application_exit> exited(const term& from, const term& reason);

  bool is_running(atom app) const;
  // The running applications' top supervisors (library applications have none).
  std::vector<term> top_supervisors() const;
  // [{App, Vsn, TopSupervisorPid | undefined}], in start order.
  term running() const;
  // application:which_applications() in OTP's shape: [{App, Description, Vsn}], the strings as
  // charlists, in start order.
  term which_applications() const;
  // Every application of `release`: [#{name, description, vsn, type, state, reason}], state =
  // running | stopped | loaded (start type load or none); reason = why a stopped one stopped
  // (stopped: by request; undefined: never started).
  term describe(const loaded_release& release) const;

  // After an upgrade to `target` (which the running applications now run): their versions
  // updated, and each environment recomputed from the target's files. For each application whose
  // environment changed and that names a `config_change` process, that process is called with
  // {config_change, Changed, New, Removed} (each call bounded by `timeout`; a failure is logged).
  void upgraded(const loaded_release& target, const configuration& release_config, std::chrono::milliseconds timeout);

 private:
  struct running_app {
    atom name;
    std::string vsn;
    std::string description;
    appup::start_type type;
    term supervisor;  // linked to the owner; nil for a library application
  };
  struct stopped_app {
    atom name;
    term reason;
  };

  void load_modules(const application_spec& app);
  void remember_stop(atom app, term reason);

  release_root root_;
  configuration node_config_;
  std::vector<running_app> running_;
  std::vector<stopped_app> stopped_;
  std::vector<atom> env_loaded_;
};

}  // namespace otp::release
