#include "otp/node_runner.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node_agent.hpp"
#include "otp/process.hpp"
#include "otp/release_handler.hpp"
#include "otp/rpc.hpp"
#include "otp/runtime.hpp"

namespace otp::release {
namespace {

const atom stop_atom("stop");

// SIGINT and SIGTERM, blocked in every thread created after it and delivered to a thread of its
// own, which turns each into a `stop` message for the node's main process.
class stop_signals {
 public:
  stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~stop_signals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  // Waits for signals until `finish`; each one goes to `target` as {stop, Signal}.
  void forward_to(runtime& rt, const term& target) {
    waiter_ = std::thread([this, &rt, target] {
      for (;;) {
        int sig = 0;
        if (sigwait(&set_, &sig) != 0 || finished_.load()) return;
        rt.run([&] { send(target, tuple(stop_atom, std::int64_t{sig})); });
      }
    });
  }

  void finish() {
    if (!waiter_.joinable()) return;
    finished_.store(true);
    pthread_kill(waiter_.native_handle(), SIGTERM);
    waiter_.join();
  }

 private:
  sigset_t set_{};
  sigset_t previous_{};
  std::atomic<bool> finished_{false};
  std::thread waiter_;
};

// What a node running a release offers to rpc and erpc callers besides the runtime's built-ins,
// in OTP's shapes (release_handler.hpp): release_handler:which_releases/0,1 and
// application:which_applications/0. Unregistered when the node stops.
class release_functions {
 public:
  release_functions() {
    rpc::register_function(atom("release_handler"), atom("which_releases"), 0, [](const std::vector<term>&) {
      return gen_server::call(release_handler::registered_name, release_handler::request::which_releases, infinity);
    });
    rpc::register_function(atom("release_handler"), atom("which_releases"), 1, [](const std::vector<term>& a) {
      return gen_server::call(release_handler::registered_name, tuple(release_handler::request::which_releases, a[0]),
                              infinity);
    });
    rpc::register_function(atom("application"), atom("which_applications"), 0, [](const std::vector<term>&) {
      return gen_server::call(release_handler::registered_name, release_handler::request::otp_which_applications,
                              infinity);
    });
  }
  ~release_functions() {
    rpc::unregister_function(atom("release_handler"), atom("which_releases"), 0);
    rpc::unregister_function(atom("release_handler"), atom("which_releases"), 1);
    rpc::unregister_function(atom("application"), atom("which_applications"), 0);
    rpc::set_stop_handler(nullptr);
  }
  release_functions(const release_functions&) = delete;
  release_functions& operator=(const release_functions&) = delete;
};

// The booted release's name and vsn (the permanent one: what a boot runs).
std::pair<std::string, std::string> booted_release() {
  const auto releases = release_handler::releases();
  const release_handler::release_entry* permanent = release_handler::find_status(releases, release_status::permanent);
  return permanent != nullptr ? std::pair{permanent->name, permanent->vsn} : std::pair<std::string, std::string>{};
}

}  // namespace

int run_node(const node_config& config) {
  auto fail = [&](const std::string& message) {
    log::write(log::level::error, message);
    if (config.on_error) config.on_error(message);
    return 1;
  };
  stop_signals signals;
  runtime rt;
  int code = 0;
  rt.run([&] {
    try {
      node::start(config.node);
    } catch (const std::exception& e) {
      code = fail(std::string("cannot start the node: ") + e.what());
      return;
    }
    trap_exit(true);
    handler_options options;
    options.root = config.root;
    options.first_boot_vsn = config.first_boot_vsn;
    options.config_file = config.config_file;
    const term handler = release_handler::start_link(options);
    if (!(handler.is_tuple(2) && handler[0].is_atom(atoms::ok))) {
      code = fail("cannot boot the release root " + config.root.string() + ": " + handler.to_string());
      node::stop();
      return;
    }
    const term me = self();
    node_agent::start_link([me] { send(me, tuple(stop_atom, atom("node_agent"))); });
    release_functions offered;
    rpc::set_stop_handler([me] { send(me, tuple(stop_atom, atom("init_stop"))); });
    signals.forward_to(rt, me);
    const auto [name, vsn] = booted_release();
    std::function<void()> stop_services;
    bool serving = true;
    if (config.start_services) {
      try {
        stop_services = config.start_services();
      } catch (const std::exception& e) {
        code = fail(std::string("cannot start the node's services: ") + e.what());
        serving = false;
      }
    }
    if (serving) {
      log::write(log::level::info,
                 "node " + std::string(node::name().text()) + " is running release " + name + " " + vsn);
      if (config.on_ready) config.on_ready(name, vsn);
    }
    while (serving) {
      const term m = receive();
      if (m.is_tuple(2) && m[0].is_atom(stop_atom)) {
        log::write(log::level::notice,
                   "node " + std::string(node::name().text()) + " stopping (" + m[1].to_string() + ")");
        break;
      }
      if (m.is_tuple(3) && m[0].is_atom(atoms::exit_) && m[1] == handler[1]) {
        const term& reason = m[2];
        if (reason.is_tuple(3) && reason[0].is_atom(atom("application_exited"))) {
          log::write(log::level::critical, "node " + std::string(node::name().text()) + " stops: application " +
                                               reason[1].to_string() + " exited (" + reason[2].to_string() + ")");
          code = exit_application_stopped;
        } else {
          code = fail("the release handler exited: " + reason.to_string());
        }
        break;
      }
    }
    if (stop_services) stop_services();
    gen_server::stop(node_agent::registered_name);
    if (is_process_alive(handler[1])) gen_server::stop(handler[1]);
    node::stop();
  });
  signals.finish();
  return code;
}

}  // namespace otp::release
