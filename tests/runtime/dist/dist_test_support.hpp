// Support for the distribution tests: unique node names and temp dirs, child processes that are
// always killed (RAII, tests/support/child_process.hpp), an otp-cpp node in this process, otp_dist_test_node children
// and real `erl` children driven line by line (erlang/dist_peer.erl). No sleeps: every wait is on a child's output
// line, a message, or a condition, each with a deadline.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../support/child_process.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace otp::dist_test {

inline constexpr std::chrono::milliseconds must_happen_within{5000};

// Waits for `condition` (checked every 5 ms) until `limit`; true when it held. For what no message
// tells, such as a log line another thread writes.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = must_happen_within) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

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

using otp::test::child_process;

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

// An otp_dist_test_node child (see tests/runtime/dist/node/test_node.cpp).
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

// An Erlang expression that evaluates `condition` (a boolean expression) every 10 ms until it is
// true (=> true) or `tries` checks failed (=> false): a condition with a deadline, on the erl side.
inline std::string erl_until(const std::string& condition, int tries = 500) {
  return "(fun Until(0) -> false; Until(N) -> case (" + condition +
         ") of true -> true; _ -> receive after 10 -> Until(N - 1) end end end)(" + std::to_string(tries) + ").";
}

// 'name@host' as Erlang source.
inline std::string quoted(atom node) { return std::string("'").append(node.text()).append("'"); }

// A gen_server to start in this node: {echo, X} -> {cpp_echo, X}.
class cpp_server final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }
  gen_server::result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_tuple(2) && request[0].is_atom(atom("echo")))
      return gen_server::result::reply(tuple(atom("cpp_echo"), request[1]), state);
    return gen_server::result::reply(atom("unknown"), state);
  }
};

// A real Erlang node (`erl -name ... -setcookie ...`) running erlang/dist_peer.erl, which evaluates
// each line written to it as Erlang expressions and prints the value with ~w on one line.
struct erl_node {
  std::string name;
  child_process child;
  // `extra`: more erl flags (e.g. -proto_dist inet_tls -ssl_dist_optfile FILE).
  erl_node(const std::string& cookie, const std::filesystem::path& beam_dir, const std::vector<std::string>& extra = {})
      : name(unique_node("e")), child(argv(name, cookie, beam_dir, extra)) {
    child.expect_line("ready ");
  }
  static std::vector<std::string> argv(const std::string& n, const std::string& cookie,
                                       const std::filesystem::path& beam_dir, const std::vector<std::string>& extra) {
    std::vector<std::string> a{"erl", "-name", n, "-setcookie", cookie};
    a.insert(a.end(), extra.begin(), extra.end());
    a.insert(a.end(), {"-noshell", "-pa", beam_dir.string(), "-s", "dist_peer", "start"});
    return a;
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
