// Support for the distribution tests: unique node names and temp dirs, child processes that are
// always killed (RAII), an otp-cpp node in this process, otp_dist_test_node children and real `erl`
// children driven line by line (erlang/dist_peer.erl). No sleeps: every wait is on a child's
// output line, a message, or a condition, each with a deadline.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

extern "C" char** environ;

namespace otp::dist_test {

inline constexpr std::chrono::milliseconds must_happen_within{5000};

// A name no other test (or test run) uses: <prefix><pid>x<n>.
inline std::string unique_alive(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(::getpid()) + "x" + std::to_string(counter++);
}
inline std::string unique_node(const std::string& prefix) { return unique_alive(prefix) + "@127.0.0.1"; }

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "otp_dist_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

// A child process with a pipe to its stdin and one from its stdout. The destructor kills it
// (SIGKILL) and reaps it, whatever happened in the test.
class child_process {
 public:
  explicit child_process(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + argv[0]);
    }
  }
  ~child_process() { kill(); }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ >= 0) ::close(stdout_);
    stdin_ = stdout_ = -1;
  }

  void write_line(const std::string& line) {
    const std::string text = line + "\n";
    if (::write(stdin_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      throw std::runtime_error("cannot write to the child");
  }

  // The next line on its stdout, or nullopt when none comes within `limit` (or it closed).
  std::optional<std::string> read_line(std::chrono::milliseconds limit = must_happen_within) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Reads lines until one starts with `prefix`; returns it.
  std::string expect_line(const std::string& prefix,
                          std::chrono::milliseconds limit = std::chrono::milliseconds(15000)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string seen;
    while (std::chrono::steady_clock::now() < deadline) {
      auto line =
          read_line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      if (!line) break;
      if (line->starts_with(prefix)) return *line;
      seen += *line + "\n";
    }
    throw std::runtime_error("the child printed no line starting with '" + prefix + "'; it printed:\n" + seen);
  }

  pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

// This test process as a node, for the duration of a test (stopped even on failure).
struct local_node {
  explicit local_node(const std::string& cookie, node::options o = {}) {
    o.name = unique_node("t");
    o.cookie = cookie;
    node::start(o);
  }
  ~local_node() { node::stop(); }
  local_node(const local_node&) = delete;
  local_node& operator=(const local_node&) = delete;
};

// An otp_dist_test_node child (see tests/dist/node/test_node.cpp).
struct test_node {
  std::string name;
  child_process child;
  explicit test_node(const std::string& cookie, std::vector<std::string> extra = {})
      : name(unique_node("n")), child(argv(name, cookie, std::move(extra))) {
    child.expect_line("ready ");
  }
  atom node() const { return atom(name); }
  static std::vector<std::string> argv(const std::string& n, const std::string& cookie,
                                       std::vector<std::string> extra) {
    std::vector<std::string> a{OTP_DIST_TEST_NODE, n, cookie};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

// A real Erlang node (`erl -name ... -setcookie ...`) running erlang/dist_peer.erl, which evaluates
// each line written to it as Erlang expressions and prints the value with ~w on one line.
struct erl_node {
  std::string name;
  child_process child;
  erl_node(const std::string& cookie, const std::filesystem::path& beam_dir)
      : name(unique_node("e")),
        child({"erl", "-name", name, "-setcookie", cookie, "-noshell", "-pa", beam_dir.string(), "-s", "dist_peer",
               "start"}) {
    child.expect_line("ready ");
  }
  atom node() const { return atom(name); }
  // Evaluates `expressions` (Erlang, ending with a dot) and returns the printed value.
  std::string eval(const std::string& expressions, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    child.write_line(expressions);
    return child.expect_line("=> ", limit).substr(3);
  }
};

// dist_peer.beam, compiled once per test program into its own temp dir.
inline const std::filesystem::path& erlang_beam_dir() {
  static temp_dir dir;
  static const bool compiled = [] {
    const std::string command = "erlc -o " + dir.path.string() + " " OTP_DIST_ERLANG_DIR "/dist_peer.erl";
    return std::system(command.c_str()) == 0;
  }();
  if (!compiled) throw std::runtime_error("erlc could not compile dist_peer.erl");
  return dir.path;
}

}  // namespace otp::dist_test
