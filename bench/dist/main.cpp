// otp_dist_bench: distribution between two otp-cpp nodes on 127.0.0.1.
//
//   otp_dist_bench [repetitions]          the client: starts the server node (this program again,
//                                         as a child), then measures and prints one line per case
//   otp_dist_bench serve <name> <cookie>  the server node: bench_srv answers ping with pong
//
// Cases (tab-separated: case, median of the repetitions, unit):
//   ping_rtt      node::ping (net_adm:ping: a gen call to net_kernel), mean of a batch, µs
//   call_1        gen_server:call({bench_srv, Node}, ping) from 1 client, calls/s
//   call_16       the same from 16 clients at once, total calls/s
//   nl            nl of a small module to the one other node, result awaited, ms
// The Erlang twin (bench/erlang/dist_bench.erl) does the same between two erl nodes.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

extern "C" char** environ;

namespace {

using namespace otp;
using clock_type = std::chrono::steady_clock;

const std::string cookie = "distbench";

class bench_server final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }
  gen_server::result handle_call(const term&, const term&, const term& state) override {
    return gen_server::result::reply(atom("pong"), state);
  }
};

int serve(const std::string& name, const std::string& code_dir) {
  runtime rt;
  node::options o;
  o.name = name;
  o.cookie = cookie;
  node::start(o);
  code::set_path({code_dir});
  gen_server::start(std::make_shared<bench_server>(), term(), gen_server::start_options{.name = atom("bench_srv")});
  std::cout << "ready" << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  node::stop();
  return 0;
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "serve") return serve(argv[2], argv[3]);
  const int repetitions = argc >= 2 ? std::stoi(argv[1]) : 5;

  // The server node: this program again, fed by a pipe whose closing ends it.
  char dir_template[] = "/tmp/otp_dist_bench_XXXXXX";
  const std::string code_dir = ::mkdtemp(dir_template);
  const std::string server_name = "distbench_srv" + std::to_string(::getpid()) + "@127.0.0.1";
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return 1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  std::string self_exe = "/proc/self/exe";
  const char* child_argv[] = {self_exe.c_str(), "serve", server_name.c_str(), code_dir.c_str(), nullptr};
  pid_t child = 0;
  if (posix_spawn(&child, self_exe.c_str(), &actions, nullptr, const_cast<char* const*>(child_argv), environ) != 0) {
    std::cerr << "cannot start the server node\n";
    return 1;
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  char ready[16] = {};
  if (::read(from_child[0], ready, sizeof ready - 1) <= 0) {
    std::cerr << "the server node did not start\n";
    return 1;
  }

  runtime rt;
  node::options o;
  o.name = "distbench_cli" + std::to_string(::getpid()) + "@127.0.0.1";
  o.cookie = cookie;
  node::start(o);
  const atom server_node(server_name);
  const term server = tuple(atom("bench_srv"), server_node);
  if (node::ping(server_node) != atom("pong")) {
    std::cerr << "no pong from the server node\n";
    return 1;
  }

  std::vector<double> ping_us, call1, call16, nl_ms;
  rt.run([&] {
    for (int i = 0; i < 500; ++i) gen_server::call(server, atom("ping"));  // warm-up
    for (int r = 0; r < repetitions; ++r) {
      constexpr int pings = 5000;
      auto t = clock_type::now();
      for (int i = 0; i < pings; ++i) node::ping(server_node);
      ping_us.push_back(seconds_since(t) * 1e6 / pings);

      constexpr int calls = 50000;
      t = clock_type::now();
      for (int i = 0; i < calls; ++i) gen_server::call(server, atom("ping"));
      call1.push_back(calls / seconds_since(t));

      constexpr int clients = 16;
      const term parent = self();
      t = clock_type::now();
      for (int c = 0; c < clients; ++c)
        spawn([=] {
          for (int i = 0; i < calls / clients; ++i) gen_server::call(server, atom("ping"));
          send(parent, atom("done"));
        });
      for (int c = 0; c < clients; ++c) receive([](const term& m) { return m.is_atom(atom("done")); }, infinity);
      call16.push_back(calls / seconds_since(t));
    }
    if (!code::load_abs(std::string(OTP_BENCH_MODULES) + "/nlbench-1.so")) throw std::runtime_error("load nlbench");
    for (int i = 0; i < 10; ++i) node::nl(atom("nlbench"));  // warm-up
    for (int r = 0; r < repetitions * 20; ++r) {
      const auto t = clock_type::now();
      const auto results = node::nl(atom("nlbench"));
      nl_ms.push_back(seconds_since(t) * 1e3);
      if (results.size() != 1 || !results[0].result.is_tuple(2) || !results[0].result[0].is_atom(atom("module")))
        throw std::runtime_error("nl failed: " +
                                 (results.empty() ? std::string("no node") : results[0].result.to_string()));
    }
  });
  std::printf("ping_rtt\t%.2f\tus\ncall_1\t%.0f\tcalls/s\ncall_16\t%.0f\tcalls/s\nnl\t%.3f\tms\n", median(ping_us),
              median(call1), median(call16), median(nl_ms));
  node::stop();
  ::close(to_child[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::error_code ignored;
  std::filesystem::remove_all(code_dir, ignored);
  return 0;
}
