// otp_cli_bench: how fast otpctl starts a node and answers, beside Erlang doing the same, all
// timed by this one harness on 127.0.0.1 (bench/cli/compare.sh prints the table).
//
//   otp_cli_bench [repetitions]      (default 5; each case also runs once first, untimed)
//
// A hidden node in this process (the pinger) pings the node being started in a tight loop from the
// moment its command is launched; a pang comes back at once while the name is not registered.
// Cases, one tab-separated line each: case, otp-cpp's median (ms), Erlang's median (ms) or "-":
//   start_to_pong   `otpctl start --daemon` on a copy of the counter example's root (booting its
//                   permanent release) until the first pong | `erl -noshell -name N` until the first pong
//   start_returns   `otpctl start --daemon` until it exits (node up, release booted, watchdog running) | -
//   erl_halt        - | `erl -noshell -s erlang halt` until it exits
//   erl_name_halt   - | `erl -noshell -name N -setcookie C -s erlang halt` until it exits
//   ping_tool       `otpctl ping --node N` until it exits | `erl -noshell -hidden -name P -eval
//                   "pong = net_adm:ping(N), halt()."` until it exits (both at the same otp-cpp node)
// Each started node is stopped (otp-cpp's: SIGTERM to its watchdog; erl: SIGKILL) and waited for
// before the next repetition.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
// glibc 2.36's <sys/pidfd.h> declares its functions without C linkage for C++.
extern "C" {
#include <sys/pidfd.h>
}

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/runtime.hpp"

extern "C" char** environ;

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using otp::atom;

const std::string cookie = "clibench";

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string unique_name(const std::string& prefix) {
  static int counter = 0;
  return prefix + std::to_string(::getpid()) + "x" + std::to_string(counter++) + "@127.0.0.1";
}

// Starts `argv` (PATH lookup) with stdin, stdout and stderr on /dev/null.
pid_t launch(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Milliseconds from launching `argv` to its exit; throws unless it exits with 0.
double time_command(const std::vector<std::string>& argv) {
  const auto t0 = clock_type::now();
  if (wait_exit(launch(argv)) != 0) throw std::runtime_error(argv[0] + " " + argv[1] + " failed");
  return ms_since(t0);
}

// Pings `node` until pong (at most 30 s); milliseconds since `t0`.
double until_pong(otp::runtime& rt, const std::string& node, clock_type::time_point t0) {
  const atom target(node);
  return rt.run([&] {
    while (otp::node::ping(target) != atom("pong"))
      if (ms_since(t0) > 30000) throw std::runtime_error(node + " never answered");
    return ms_since(t0);
  });
}

struct figures {
  std::vector<double> ours, erlang;
};

void print(const char* name, const figures& f) {
  auto column = [](const std::vector<double>& v) { return v.empty() ? std::string("-") : std::to_string(median(v)); };
  std::printf("%s\t%s\t%s\n", name, column(f.ours).c_str(), column(f.erlang).c_str());
}

// A daemon node started by otpctl on `root`; stop() ends it (SIGTERM to its watchdog, which stops
// the node, then itself) and waits for the watchdog's end.
struct daemon_node {
  fs::path root;
  void stop() const {
    std::ifstream in(root / "otpctl" / "watchdog.pid");
    long pid = 0;
    if (!(in >> pid)) return;
    const int watchdog = ::pidfd_open(static_cast<pid_t>(pid), 0);
    if (watchdog < 0) return;
    ::pidfd_send_signal(watchdog, SIGTERM, nullptr, 0);
    pollfd ended{watchdog, POLLIN, 0};
    ::poll(&ended, 1, 30000);
    ::close(watchdog);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc >= 2 ? std::stoi(argv[1]) : 5;
  char dir_template[] = "/tmp/otp_cli_bench_XXXXXX";
  const fs::path dir = ::mkdtemp(dir_template);
  const fs::path root = dir / "counter";
  fs::copy(OTP_BENCH_COUNTER_ROOT, root, fs::copy_options::recursive);

  otp::log::set_level(otp::log::level::error);  // not a line per pang
  otp::runtime rt;
  rt.run([&] {
    otp::node::options o;
    o.name = unique_name("clibench_pinger");
    o.cookie = cookie;
    o.hidden = true;
    otp::node::start(o);
  });

  figures start_to_pong, start_returns, erl_halt, erl_name_halt, ping_tool;
  const daemon_node ours{root};
  for (int i = 0; i <= repetitions; ++i) {  // i == 0: warm-up (and the root's first boot), untimed
    const bool timed = i > 0;
    {  // otpctl start --daemon
      const std::string node = unique_name("clibench_ours");
      const auto t0 = clock_type::now();
      const pid_t otpctl = launch({OTP_BENCH_OTPCTL, "start", "--name", node, "--root", root.string(), "--cookie",
                                   cookie, "--first-boot", "1.0.0", "--daemon"});
      const double pong = until_pong(rt, node, t0);
      if (wait_exit(otpctl) != 0) throw std::runtime_error("otpctl start failed");
      const double returned = ms_since(t0);
      const double ping = time_command({OTP_BENCH_OTPCTL, "ping", "--node", node, "--cookie", cookie});
      const double erl_ping =
          time_command({"erl", "-noshell", "-hidden", "-name", unique_name("clibench_erlping"), "-setcookie", cookie,
                        "-eval", "pong = net_adm:ping('" + node + "'), halt()."});
      ours.stop();
      if (timed) {
        start_to_pong.ours.push_back(pong);
        start_returns.ours.push_back(returned);
        ping_tool.ours.push_back(ping);
        ping_tool.erlang.push_back(erl_ping);
      }
    }
    {  // erl -name until the first pong
      const std::string node = unique_name("clibench_erl");
      const auto t0 = clock_type::now();
      const pid_t erl = launch({"erl", "-noshell", "-name", node, "-setcookie", cookie});
      const double pong = until_pong(rt, node, t0);
      ::kill(erl, SIGKILL);  // its clean stop is not measured
      wait_exit(erl);
      if (timed) start_to_pong.erlang.push_back(pong);
    }
    const double halt = time_command({"erl", "-noshell", "-s", "erlang", "halt"});
    const double name_halt = time_command(
        {"erl", "-noshell", "-name", unique_name("clibench_halt"), "-setcookie", cookie, "-s", "erlang", "halt"});
    if (timed) {
      erl_halt.erlang.push_back(halt);
      erl_name_halt.erlang.push_back(name_halt);
    }
  }
  rt.run([] { otp::node::stop(); });
  fs::remove_all(dir);

  print("start_to_pong", start_to_pong);
  print("start_returns", start_returns);
  print("erl_halt", erl_halt);
  print("erl_name_halt", erl_name_halt);
  print("ping_tool", ping_tool);
  return 0;
}
