// Support for otpctl's node-command tests: real nodes (otp_cli_test_node) booted from a private
// copy of the counter example's release root, and otpctl run as a child process, its stdout a
// file or a terminal (a pty, for the progress lines). Every wait has a deadline and watches an
// event (a line on a pipe, a process exit through a pidfd); nothing sleeps. Every process a test
// starts is killed and reaped by its RAII owner, whatever the test did.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" char** environ;

namespace otpctl_node_test {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using clock = std::chrono::steady_clock;

// Longer than anything takes on a loaded machine; a test waits this long only when it fails.
inline constexpr milliseconds must_happen_within{30000};

inline const std::string cookie = "otpctl_node_test_cookie";

// A node name no other test (or test run) uses: ctl<ospid>x<n>@127.0.0.1.
inline std::string unique_node() {
  static std::atomic<int> counter{0};
  return "ctl" + std::to_string(::getpid()) + "x" + std::to_string(counter++) + "@127.0.0.1";
}

inline std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Waits until `pid` exits or `timeout` passes; true (and reaped, status in `status`) when it exited.
inline bool wait_exit(pid_t pid, milliseconds timeout, int& status) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return ::waitpid(pid, &status, 0) == pid;
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  ::close(fd);
  if (ready != 1) return false;
  return ::waitpid(pid, &status, 0) == pid;
}

// A temporary directory of this test process, removed with everything in it.
class temp_dir {
 public:
  explicit temp_dir(const std::string& tag) {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("otpctl_node_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + tag);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The counter example's release root as the build lays it out (releases 1.0.0 and 1.1.0).
inline fs::path example_counter_root() { return fs::path(OTP_EXAMPLE_ROOTS_DIR) / "counter" / "root"; }

// A release root holding release 1.0.0 of the counter example only: what a node boots; 1.1.0 comes
// with `otpctl unpack`.
class counter_root {
 public:
  counter_root() : dir_("root") {
    const fs::path from = example_counter_root();
    fs::create_directories(root() / "releases");
    fs::create_directories(root() / "lib");
    fs::copy(from / "releases" / "1.0.0", root() / "releases" / "1.0.0", fs::copy_options::recursive);
    fs::copy(from / "lib" / "counter-1.0.0", root() / "lib" / "counter-1.0.0", fs::copy_options::recursive);
  }
  fs::path root() const { return dir_.path() / "root"; }
  fs::path log() const { return dir_.path() / "node.log"; }

 private:
  temp_dir dir_;
};

// A node booted from a release root by otp_cli_test_node: started by the constructor, which
// returns once the node printed "ready" (throws otherwise); killed and reaped by the destructor.
class test_node {
 public:
  test_node(const counter_root& root, const std::string& peer = "") : name_(unique_node()) {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    const std::string log = root.log().string();
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<std::string> words{OTP_CLI_TEST_NODE, root.root().string(), name_, cookie};
    if (!peer.empty()) words.push_back(peer);
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, OTP_CLI_TEST_NODE, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (spawned != 0) {
      pid_ = -1;
      end();
      throw std::runtime_error("cannot start " + std::string(OTP_CLI_TEST_NODE));
    }
    ready_line_ = read_line();
    if (!ready_line_.starts_with("ready")) {
      end();  // no destructor runs for a constructor that throws
      throw std::runtime_error("node " + name_ + " did not start: '" + ready_line_ + "'; its log: " + slurp(log));
    }
  }
  ~test_node() { end(); }
  test_node(const test_node&) = delete;
  test_node& operator=(const test_node&) = delete;

  const std::string& name() const { return name_; }
  const std::string& ready_line() const { return ready_line_; }
  pid_t pid() const { return pid_; }
  // True when the node's process exits within the deadline (it is then reaped).
  bool exits() {
    int status = 0;
    exited_ = exited_ || wait_exit(pid_, must_happen_within, status);
    return exited_;
  }

 private:
  // Closes the pipes, kills the node unless it exited, reaps it.
  void end() {
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ >= 0) ::close(stdout_);
    stdin_ = stdout_ = -1;
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exited_ = true;
    }
  }

  // The next line the node prints, "" when none comes within the deadline.
  std::string read_line() {
    const auto deadline = clock::now() + must_happen_within;
    std::string line;
    char c = 0;
    while (clock::now() < deadline) {
      pollfd p{stdout_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(left > 0 ? left : 0)) != 1) break;
      if (::read(stdout_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  std::string name_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  bool exited_ = false;
  std::string ready_line_;
};

struct outcome {
  int code = -1;  // the exit status; -1 when it did not exit normally (or in time)
  std::string out;
  std::string err;
};

// Runs otpctl with `args`: stdout and stderr into files (or stdout on a terminal, `on_tty`),
// waited for with the deadline (killed when it is passed).
inline outcome otpctl(const std::vector<std::string>& args, bool on_tty = false) {
  temp_dir dir("otpctl");
  const std::string out_file = (dir.path() / "out").string();
  const std::string err_file = (dir.path() / "err").string();
  int master = -1;
  int keep_open = -1;
  std::string slave;
  if (on_tty) {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) throw std::runtime_error("no pty");
    slave = ::ptsname(master);
    // Held open until otpctl has finished, so that the terminal lives as long as it is needed.
    keep_open = ::open(slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (on_tty)
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, slave.c_str(), O_WRONLY | O_NOCTTY, 0);
  else
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> words{OTP_OTPCTL};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, OTP_OTPCTL, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  outcome r;
  if (spawned != 0) {
    if (master >= 0) ::close(master);
    if (keep_open >= 0) ::close(keep_open);
    ADD_FAILURE() << "cannot start " << OTP_OTPCTL << ": error " << spawned;
    return r;
  }
  int status = 0;
  if (!wait_exit(pid, must_happen_within, status)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ADD_FAILURE() << "otpctl did not finish in time";
  }
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  if (on_tty) {
    // What otpctl wrote is in the terminal's buffer (small outputs only: it never blocked).
    char buffer[4096];
    pollfd p{master, POLLIN, 0};
    ssize_t n = 0;
    while (::poll(&p, 1, 0) == 1 && (n = ::read(master, buffer, sizeof buffer)) > 0)
      for (ssize_t i = 0; i < n; ++i)
        if (buffer[i] != '\r') r.out.push_back(buffer[i]);
    ::close(keep_open);
    ::close(master);
  } else {
    r.out = slurp(out_file);
  }
  r.err = slurp(err_file);
  return r;
}

// otpctl COMMAND --node NODE --cookie COOKIE ARGS...
inline outcome otpctl_at(const test_node& node, const std::string& command, std::vector<std::string> args = {},
                         bool on_tty = false) {
  std::vector<std::string> all{command, "--node", node.name(), "--cookie", cookie};
  all.insert(all.end(), args.begin(), args.end());
  return otpctl(all, on_tty);
}

// Every line of `text`.
inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace otpctl_node_test
