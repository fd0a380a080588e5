// Support for the observer's tests: a program run as a child process whose stdout lines are read
// with a deadline (a node started by `otpctl start --observer-port 0`, or `otpctl observer`), an
// HTTP client on Boost.Beast (GET, POST, and raw requests), and waits on a condition with a deadline. Nothing sleeps to
// synchronise: a wait polls its condition until it holds or the deadline passes. Every process a
// test starts is killed and reaped by its RAII owner.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "node_test_support.hpp"

namespace otp_observer_test {

using namespace otpctl_node_test;

// A program whose stdout is a pipe this test reads line by line; stderr goes to `log`. With
// `own_group` it runs in a process group of its own, and the group is what is killed (a browser
// and the helper processes it starts).
class child_program {
 public:
  child_program(std::vector<std::string> words, const fs::path& log, bool own_group = false) : own_group_(own_group) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    const std::string log_file = log.string();
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    if (own_group) {
      posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
      posix_spawnattr_setpgroup(&attributes, 0);
    }
    const int spawned = posix_spawn(&pid_, words[0].c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_ = out[0];
    if (spawned != 0) {
      pid_ = -1;
      ::close(stdout_);
      throw std::runtime_error("cannot start " + words[0]);
    }
  }
  ~child_program() {
    if (pid_ > 0) {
      ::kill(own_group_ ? -pid_ : pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_);
  }
  child_program(const child_program&) = delete;
  child_program& operator=(const child_program&) = delete;

  pid_t pid() const { return pid_; }

  // The next line of its stdout; "" when it ended or the deadline passed first.
  std::string read_line(milliseconds timeout = must_happen_within) {
    const auto deadline = clock::now() + timeout;
    std::string line;
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
      if (left.count() <= 0) return "";
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return "";
      char c = 0;
      if (::read(stdout_, &c, 1) != 1) return "";
      if (c == '\n') return line;
      line.push_back(c);
    }
  }

  // Sends `sig` and waits for the exit; its exit code, or -1 (killed, or not in time).
  int stop(int sig = SIGTERM) {
    ::kill(pid_, sig);
    int status = 0;
    const bool exited = wait_exit(pid_, must_happen_within, status);
    if (!exited) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  bool own_group_ = false;
  pid_t pid_ = -1;
  int stdout_ = -1;
};

struct http_reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

// `verb` http://127.0.0.1:port/target with Beast: with a JSON `body` unless empty, and an
// Authorization header unless `authorization` is empty.
inline http_reply http_exchange(std::uint16_t port, boost::beast::http::verb verb, const std::string& target,
                                const std::string& body, const std::string& authorization) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {res.result_int(), std::string(res[http::field::content_type]), res.body()};
}

inline http_reply http_get(std::uint16_t port, const std::string& target) {
  return http_exchange(port, boost::beast::http::verb::get, target, "", "");
}

inline http_reply http_post(std::uint16_t port, const std::string& target, const std::string& body,
                            const std::string& authorization = "") {
  return http_exchange(port, boost::beast::http::verb::post, target, body, authorization);
}

// `request` as it is written (raw bytes: a request a client library would not send), then the
// answer's status line, or "" when the server closed the connection without one.
inline std::string raw_status_line(std::uint16_t port, const std::string& request) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  boost::asio::write(socket, boost::asio::buffer(request), ec);
  std::string answer;
  char chunk[4096];
  while (answer.find("\r\n") == std::string::npos) {
    const std::size_t n = socket.read_some(boost::asio::buffer(chunk), ec);
    if (ec) break;
    answer.append(chunk, n);
  }
  return answer.substr(0, answer.find("\r\n"));
}

inline boost::json::value get_json(std::uint16_t port, const std::string& target) {
  const http_reply r = http_get(port, target);
  if (r.status != 200) throw std::runtime_error(target + " answered " + std::to_string(r.status) + ": " + r.body);
  return boost::json::parse(r.body);
}

// A JSON array answer, by value (a range-for over get_json(...).as_array() would outlive the value).
inline boost::json::array get_array(std::uint16_t port, const std::string& target) {
  return get_json(port, target).as_array();
}

// The port of a "... at http://127.0.0.1:PORT/..." line; 0 when there is none.
inline std::uint16_t port_in(const std::string& line) {
  const std::string marker = "http://127.0.0.1:";
  const std::size_t at = line.find(marker);
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(line.substr(at + marker.size())));
}

// Polls `condition` until it holds or the deadline passes (then false). Between two looks it
// yields the core briefly: the condition is an HTTP round trip, cheap but not free.
inline bool eventually(const std::function<bool()>& condition, milliseconds timeout = must_happen_within) {
  const auto deadline = clock::now() + timeout;
  while (clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return condition();
}

// A node booted by `otpctl start --observer-port 0` from a copy of the counter example's root:
// the constructor returns once it printed its observer's URL and its ready line.
class observed_node {
 public:
  explicit observed_node(const counter_root& root, std::vector<std::string> extra = {"--observer-port", "0"})
      : name_(unique_node()), program_(words(root, extra), root.log()) {
    for (;;) {
      const std::string line = program_.read_line();
      if (line.empty()) throw std::runtime_error("node " + name_ + " did not start; its log: " + slurp(root.log()));
      if (line.starts_with("observer at ")) port_ = port_in(line);
      if (line.starts_with("node ") && line.find(" is running release ") != std::string::npos) break;
    }
  }
  const std::string& name() const { return name_; }
  std::uint16_t port() const { return port_; }
  child_program& program() { return program_; }

 private:
  std::vector<std::string> words(const counter_root& root, const std::vector<std::string>& extra) {
    std::vector<std::string> w{OTP_OTPCTL,           "start",    "--name", name_, "--root",
                               root.root().string(), "--cookie", cookie};
    w.insert(w.end(), extra.begin(), extra.end());
    return w;
  }

  std::string name_;
  child_program program_;
  std::uint16_t port_ = 0;
};

// otpctl COMMAND --node NODE --cookie COOKIE ARGS...
inline outcome otpctl_on(const std::string& node, const std::string& command, std::vector<std::string> args = {}) {
  std::vector<std::string> all{command, "--node", node, "--cookie", cookie};
  all.insert(all.end(), args.begin(), args.end());
  return otpctl(all);
}

}  // namespace otp_observer_test
