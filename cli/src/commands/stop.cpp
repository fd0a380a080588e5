// otpctl stop: the node agent's stop, the nodedown that proves it, then — for a node on this
// machine — the end of its OS process and of its watchdog.
#include "commands/stop.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <thread>

#include "node_connection.hpp"
#include "otp/node.hpp"
#include "otp/node_agent.hpp"
#include "otp/process.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

namespace {

// The OS processes that must be gone before a start from the same root can work.
struct local_processes {
  pid_t node = 0;
  std::optional<pid_t> watchdog;
};

std::string program_of(pid_t pid) {
  std::error_code ec;
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
}

// The node's OS processes, when the node runs on this machine. Its parent is its watchdog when it
// runs the same program (a daemon node is forked by its watchdog, `otpctl start --daemon`); a
// foreground node's parent is a shell or a test, which is not waited for.
std::optional<local_processes> local_processes_of(const node_session& s) {
  otp::release::node_agent::os_process_ids ids;
  try {
    ids = otp::release::node_agent::os_pids(s.node_agent());
  } catch (const otp::release::protocol_error&) {
    return std::nullopt;  // a node that does not answer os_pids
  }
  const std::string here = otp::release::node_agent::machine_boot_id();
  if (here.empty() || ids.boot_id != here) return std::nullopt;
  local_processes p{static_cast<pid_t>(ids.os_pid), std::nullopt};
  const auto parent_pid = static_cast<pid_t>(ids.parent_os_pid);
  const std::string program = program_of(p.node);
  if (!program.empty() && program == program_of(parent_pid)) p.watchdog = parent_pid;
  return p;
}

// Whether /proc shows `pid` running (a zombie has ended).
bool runs(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// Waits until `pid` has ended or `deadline` passes: a pidfd where the kernel has them, else /proc
// looked at every 10 ms. True when it ended.
bool wait_gone(pid_t pid, clock::time_point deadline) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0 && errno == ESRCH) return true;
  if (fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    int ready = 0;
    do {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      ready = ::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0)));
    } while (ready < 0 && errno == EINTR);
    ::close(fd);
    return ready > 0;
  }
  while (runs(pid)) {
    if (clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const auto timeout = std::chrono::milliseconds(args["timeout"].as<std::int64_t>());
  return with_node("stop", args, err, [&](const node_session& s) {
    const std::optional<local_processes> local = local_processes_of(s);
    otp::node::monitor_node(s.node, true);
    const otp::term reply = otp::release::node_agent::stop(s.node_agent());
    if (!reply.is_atom(otp::atoms::ok))
      return s.fail("node " + s.node_name() + " refused to stop: " + reply.to_string());
    otp::receive(
        [&](const otp::term& m) { return m.is_tuple(2) && m[0].is_atom(otp::atoms::nodedown) && m[1] == s.node; });
    if (local) {
      const auto deadline = clock::now() + timeout;
      if (!wait_gone(local->node, deadline))
        return s.fail("node " + s.node_name() + " left the network, but its OS process " + std::to_string(local->node) +
                      " still runs after " + std::to_string(timeout.count()) + " ms");
      if (local->watchdog && !wait_gone(*local->watchdog, deadline))
        return s.fail("node " + s.node_name() + " stopped, but its watchdog (OS process " +
                      std::to_string(*local->watchdog) + ") still runs after " + std::to_string(timeout.count()) +
                      " ms");
    }
    out << "node " << s.node_name() << " stopped\n";
    return exit_code::ok;
  });
}

}  // namespace

const command stop{
    "stop",
    "stop --node NAME@HOST [--cookie C | --cookie-file PATH] [--timeout MS]",
    "Stop a node cleanly.",
    "Asks the node's agent to stop: the release handler stops the applications in reverse order, the node\n"
    "leaves EPMD and its OS process exits. Waits until the node's connection is gone and, for a node on\n"
    "this machine, until its OS process and its watchdog (a node started with 'otpctl start --daemon')\n"
    "have ended, so that 'otpctl start' on the same root works right after. Then prints\n"
    "'node NAME@HOST stopped'. Exit status: 0 stopped, 1 the node is unreachable or did not stop within\n"
    "--timeout.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
