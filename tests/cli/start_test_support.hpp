// Support for the `otpctl start` tests: otpctl run as a child process with deadlines, a private
// copy of the counter example's release root, this test process as a hidden node, waits on files
// (inotify) and processes (pidfd), and a reaper that kills every process a test started, whatever
// happened in it. No sleeps: every wait is on an event with a deadline.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
// glibc 2.36's <sys/pidfd.h> declares its functions without C linkage for C++.
extern "C" {
#include <sys/pidfd.h>
}
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "node_test_support.hpp"
#include "otp/node.hpp"
#include "otp/runtime.hpp"

extern "C" char** environ;

namespace otp::start_test {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using clock = std::chrono::steady_clock;

// Longer than any boot on a loaded machine; a test waits this long only when it is failing.
inline constexpr milliseconds must_happen_within{30000};

// A node name no other test (or test run) uses: <prefix><ospid>x<n>@127.0.0.1.
inline std::string unique_node(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(::getpid()) + "x" + std::to_string(counter++) + "@127.0.0.1";
}

inline std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::optional<pid_t> read_pid(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  if (in >> pid && pid > 0) return static_cast<pid_t>(pid);
  return std::nullopt;
}

// Waits for the process behind `pidfd` to end; false at the deadline.
inline bool wait_pidfd(int pidfd, milliseconds limit = must_happen_within) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
}

// Waits until `done()` holds, checking it again whenever a file in `dir` changes; false at the
// deadline.
inline bool wait_for_files(const fs::path& dir, const std::function<bool()>& done,
                           milliseconds limit = must_happen_within) {
  const int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0 ||
      ::inotify_add_watch(fd, dir.c_str(), IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0)
    throw std::runtime_error("cannot watch " + dir.string());
  const auto deadline = clock::now() + limit;
  bool held = done();
  while (!held) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) == 1) {
      char events[4096];
      while (::read(fd, events, sizeof events) > 0) {
      }
    }
    held = done();
  }
  ::close(fd);
  return held;
}

// A private copy of build/<preset>/examples/counter/root (releases 1.0.0 and 1.1.0) in a temp dir.
struct counter_root {
  fs::path dir;   // the temp dir
  fs::path root;  // dir/counter: the release root
  counter_root() {
    std::string pattern = (fs::temp_directory_path() / "otpctl_start_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    root = dir / "counter";
    fs::copy(fs::path(OTP_EXAMPLE_ROOTS_DIR) / "counter" / "root", root, fs::copy_options::recursive);
  }
  ~counter_root() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  counter_root(const counter_root&) = delete;
  counter_root& operator=(const counter_root&) = delete;

  fs::path otpctl_dir() const { return root / "otpctl"; }
  fs::path node_pid_file() const { return otpctl_dir() / "node.pid"; }
  fs::path watchdog_pid_file() const { return otpctl_dir() / "watchdog.pid"; }
  fs::path log_file() const { return otpctl_dir() / "node.log"; }
};

// Kills with SIGKILL, when it goes, every process it was given and every process the pid files of
// `root` name then: a failing test leaves nothing behind. Processes are held by pidfd, so a
// recycled pid is never hit.
class reaper {
 public:
  explicit reaper(const counter_root& root) : root_(root) {}
  ~reaper() {
    for (const fs::path& file : {root_.watchdog_pid_file(), root_.node_pid_file()})
      if (const auto pid = read_pid(file)) track(*pid);
    for (int fd : pidfds_) {
      ::pidfd_send_signal(fd, SIGKILL, nullptr, 0);
      wait_pidfd(fd, milliseconds(5000));
      ::close(fd);
    }
  }
  reaper(const reaper&) = delete;
  reaper& operator=(const reaper&) = delete;

  // A pidfd for `pid` (kept until the end), or -1 when it is already gone.
  int track(pid_t pid) {
    const int fd = ::pidfd_open(pid, 0);
    if (fd >= 0) pidfds_.push_back(fd);
    return fd;
  }

 private:
  const counter_root& root_;
  std::vector<int> pidfds_;
};

// otpctl run to its end with its output captured: node_test_support.hpp's.
using otpctl_node_test::outcome;
inline outcome run_otpctl(const std::vector<std::string>& args) { return otpctl_node_test::otpctl(args); }

// otpctl running in the foreground as a child process, its stdout read line by line (its stderr
// goes to the test's). The destructor kills it (SIGKILL) and reaps it.
class foreground_otpctl {
 public:
  explicit foreground_otpctl(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> words{OTP_OTPCTL};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, OTP_OTPCTL, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_ = out[0];
    if (rc != 0) throw std::runtime_error("cannot start " OTP_OTPCTL);
    pidfd_ = ::pidfd_open(pid_, 0);
  }
  ~foreground_otpctl() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_);
    ::close(pidfd_);
  }
  foreground_otpctl(const foreground_otpctl&) = delete;
  foreground_otpctl& operator=(const foreground_otpctl&) = delete;

  pid_t pid() const noexcept { return pid_; }

  // The first line on its stdout that contains `text`, or nullopt at EOF or the deadline.
  std::optional<std::string> line_with(const std::string& text, milliseconds limit = must_happen_within) {
    const auto deadline = clock::now() + limit;
    for (;;) {
      for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (line.find(text) != std::string::npos) return line;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Its exit status once it has ended (within `limit`); nullopt if it is still running.
  std::optional<int> wait_exit(milliseconds limit = must_happen_within) {
    if (!wait_pidfd(pidfd_, limit)) return std::nullopt;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

// This test process as a hidden node with `cookie` (as otpctl joins), for the test's duration.
class hidden_node {
 public:
  explicit hidden_node(const std::string& cookie) {
    rt_.run([&] {
      node::options o;
      o.name = unique_node("t");
      o.cookie = cookie;
      o.hidden = true;
      node::start(o);
    });
  }
  ~hidden_node() {
    rt_.run([] { node::stop(); });
  }
  hidden_node(const hidden_node&) = delete;
  hidden_node& operator=(const hidden_node&) = delete;

  // Runs `fn` in a process of this node's runtime.
  template <class Fn>
  auto run(Fn&& fn) {
    return rt_.run(std::forward<Fn>(fn));
  }
  atom ping(const std::string& other) {
    return rt_.run([&] { return node::ping(atom(other)); });
  }

 private:
  runtime rt_;
};

}  // namespace otp::start_test
