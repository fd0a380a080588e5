// otp_cluster_bench: how long a cluster install takes on 1 and on 3 nodes, and the longest time any
// process stayed suspended during it. Nodes are real: `otpctl start --daemon` on copies
// of the counter example's release root (release 1.0.0, 1.1.0 unpacked on each beforehand, so the
// figure is the install itself); this program joins as a hidden node and runs
// otp::release::cluster::install up (1.1.0) and down (1.0.0), `repetitions` times each.
//   otp_cluster_bench [repetitions]
// Prints tab-separated lines: case, median ms, max longest suspension in µs.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/cluster_install.hpp"
#include "otp/node.hpp"
#include "otp/node_agent.hpp"
#include "otp/release_handler.hpp"
#include "otp/release_root.hpp"
#include "otp/runtime.hpp"

extern "C" char** environ;

namespace {

namespace fs = std::filesystem;
using otp::atom;

const std::string cookie = "otp-cluster-bench";

void run_to_end(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error(std::string("cannot run ") + args[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(args[0] + " " + args[1] + " failed");
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct figures {
  double up_ms, down_ms;
  std::int64_t longest_suspension_us;
};

figures measure(const std::vector<atom>& nodes, int repetitions) {
  std::vector<double> up, down;
  std::int64_t longest = 0;
  for (int i = 0; i < repetitions; ++i)
    for (const std::string vsn : {"1.1.0", "1.0.0"}) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto o = otp::release::cluster::install(vsn, nodes);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (!o.committed || !o.all_ok())
        throw std::runtime_error(std::string("a cluster install failed: ") + o.nodes[0].result.to_string());
      (vsn == "1.1.0" ? up : down).push_back(ms);
      for (const auto& n : o.nodes) {
        const otp::term* s = n.result.is_tuple(3) ? n.result[2].find(atom("longest_suspension_us")) : nullptr;
        if (s != nullptr) longest = std::max(longest, s->as_int());
      }
    }
  return {median(up), median(down), longest};
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const fs::path dir = fs::temp_directory_path() / (std::string("otp_cluster_bench_") + std::to_string(::getpid()));
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    const fs::path root = dir / (std::string("n") + std::to_string(i));
    fs::create_directories(root);
    for (const auto& p : {fs::path("releases") / "1.0.0", fs::path("lib") / "counter-1.0.0"}) {
      fs::create_directories(root / p);
      fs::copy(fs::path(OTP_BENCH_COUNTER_ROOT) / p, root / p, fs::copy_options::recursive);
    }
    names.push_back(std::string("bench") + std::to_string(::getpid()) + "n" + std::to_string(i) + "@127.0.0.1");
    run_to_end({OTP_BENCH_OTPCTL, "start", "--name", names.back(), "--root", root.string(), "--cookie", cookie,
                "--first-boot", "1.0.0", "--daemon"});
  }
  int code = 0;
  {
    otp::runtime rt;
    rt.run([&] {
      otp::node::options o;
      o.name = std::string("bench") + std::to_string(::getpid()) + "coordinator@127.0.0.1";
      o.cookie = cookie;
      o.hidden = true;
      otp::node::start(o);
      std::vector<atom> nodes;
      for (const std::string& n : names) nodes.emplace_back(n);
      try {
        const otp::release::release_root source(OTP_BENCH_COUNTER_ROOT);
        for (atom n : nodes)
          otp::release::release_handler::unpack_from(source, "1.1.0", otp::tuple(atom("release_handler"), n));
        const figures one = measure({nodes[0]}, repetitions);
        const figures three = measure(nodes, repetitions);
        std::printf("upgrade_1\t%.2f\t%lld\n", one.up_ms, static_cast<long long>(one.longest_suspension_us));
        std::printf("downgrade_1\t%.2f\t%lld\n", one.down_ms, static_cast<long long>(one.longest_suspension_us));
        std::printf("upgrade_3\t%.2f\t%lld\n", three.up_ms, static_cast<long long>(three.longest_suspension_us));
        std::printf("downgrade_3\t%.2f\t%lld\n", three.down_ms, static_cast<long long>(three.longest_suspension_us));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "otp_cluster_bench: %s\n", e.what());
        code = 1;
      }
      for (atom n : nodes) otp::release::node_agent::stop(otp::tuple(atom("node_agent"), n));
      otp::node::stop();
    });
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return code;
}
