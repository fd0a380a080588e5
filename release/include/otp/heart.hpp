// otp::release::heart — a node detached from the terminal, kept alive by a watchdog (Erlang's
// heart), and the launcher that returns once the node is up. `otpctl start --daemon` is built on it
// (docs/otpctl.md, "start"); a program of the user's may call launch() the same way.
//
// launch() forks twice with a setsid in between, so the watchdog belongs to no terminal and is
// adopted by init. The watchdog writes its pid to ROOT/otpctl/watchdog.pid, sends its stdout and
// stderr (and the node's) to ROOT/otpctl/node.log, and forks the node process, which runs
// otp::release::run_node; the node's OS pid goes to ROOT/otpctl/node.pid (rewritten atomically at
// each boot). The pid files and node.log are readable by their owner only (0600, whatever the
// umask); node.log rotates by size (log_rotation.hpp). Then the watchdog watches:
//   - the node exits with 0 (otpctl stop, SIGTERM to the node): the watchdog removes the pid files
//     and ends too;
//   - the node dies otherwise (a signal, a non-zero exit, an application that stopped it): the
//     watchdog logs it and boots the permanent release again, at once if the node had been up,
//     after a growing delay if it died while booting; after 5 boots in a row that never came up it
//     gives up (logged, exit 1). A node that was up and died more than restart_limit.max_restarts
//     times within restart_limit.period is not booted again either: the watchdog logs "the node
//     exited N times within S s ...; the watchdog gives up", adds a watchdog_gave_up row to the
//     release history and ends (exit 1);
//   - SIGTERM or SIGINT to the watchdog: it sends SIGTERM to the node, waits for it (SIGKILL after
//     60 s), removes the pid files and ends.
// The node process gets SIGTERM when its watchdog dies, however it dies (PR_SET_PDEATHSIG): as
// with heart, a node never runs unwatched.
//
// The launcher waits, up to `timeout`, for the first boot's outcome, which the node reports to the
// watchdog (on_ready / on_error through a pipe) and the watchdog to the launcher (another pipe).
//
// The watchdog and the node are forks of the launcher, never new programs: the cookie of `config`
// reaches them in memory, and their command line is the launcher's (cookie_option.hpp hides a
// --cookie value there).
//
// Thread-safety: launch() forks without exec, so it must be called while the OS process has a
// single thread (otpctl before any runtime starts).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "otp/log_rotation.hpp"
#include "otp/node_runner.hpp"

namespace otp::release::heart {

// The files of a daemon node, in ROOT/otpctl/.
struct daemon_files {
  std::filesystem::path dir;           // ROOT/otpctl
  std::filesystem::path node_pid;      // node.pid: the node process's OS pid
  std::filesystem::path watchdog_pid;  // watchdog.pid
  std::filesystem::path log;           // node.log: the node's and the watchdog's stdout and stderr
  explicit daemon_files(const std::filesystem::path& root);
};

// How often the watchdog boots a node that was up and died again (otpctl start --max-restarts,
// --restart-period): at most max_restarts boots within any `period`.
struct restart_limit {
  int max_restarts = 5;
  std::chrono::seconds period{60};
};

// A daemon node that is up.
struct started_node {
  std::string node;     // its name, e.g. a@127.0.0.1
  std::string release;  // the release it booted (the permanent one) and its version
  std::string vsn;
  pid_t node_pid = -1;
  pid_t watchdog_pid = -1;
};

// Why the node is not up; what() is one line for the user (the node's own error when it reported
// one). Nothing of the attempt is left running.
class launch_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Starts the watchdog and its node from `config` (config.root must be an absolute path; on_ready
// and on_error are replaced), node.log rotating as `rotation` says, and returns once the node is
// up. Throws launch_error when a node
// already runs from the root, the node reports an error, or it is not up within `timeout`.
started_node launch(const otp::release::node_config& config, std::chrono::milliseconds timeout,
                    log_rotation rotation = {}, restart_limit limit = {});

}  // namespace otp::release::heart
