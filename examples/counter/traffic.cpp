// traffic: keeps the counter of one or more nodes busy and checks every answer (scripts/demo.sh).
//
//   build/<preset>/examples/counter/traffic [--cookie C] [--interval-ms N] NODE...
//
// A hidden node (traffic<ospid>@127.0.0.1) with one process per NODE, each looping on
// {counter, NODE}: cast {increment, 1}, then call get, then wait N ms (default 2; 100 ms after a
// failed call). Messages between two processes keep their order, so each get must read the
// counter's value before the traffic plus this process's increments: a get that reads anything
// else is a mismatch (a lost or doubled increment), a call that fails (timeout, noproc, nodedown) a
// failure. Both are counted, with the first of each kind kept for the report.
//
// Prints "traffic: flowing to NODE..." once every node has answered, a progress line every second,
// and on SIGINT or SIGTERM stops, prints one report line per node and exits 0 when nothing failed
// and every read matched, 1 otherwise (also when a node never answered within 10 s). The runtime
// logs warnings and worse only, unless OTP_LOG_LEVEL says otherwise.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace {

using namespace std::chrono_literals;
using otp::atom;
using otp::term;

// What one driver did; written by its process, read by the main thread.
struct node_stats {
  std::string node;
  std::atomic<long> increments{0};
  std::atomic<long> calls{0};  // calls answered with the expected value or a mismatch
  std::atomic<long> failures{0};
  std::atomic<long> mismatches{0};
  std::atomic<long> start_value{0};  // the counter before the first of this run's increments
  std::atomic<long> last_read{0};
  std::mutex mutex;
  std::string first_failure;   // under mutex
  std::string first_mismatch;  // under mutex

  void note(std::string& first, const std::string& what) {
    std::lock_guard lock(mutex);
    if (first.empty()) first = what;
  }
};

struct settings {
  std::optional<std::string> cookie;
  std::chrono::milliseconds interval{2};
  std::vector<std::string> nodes;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "traffic: %s\nUsage: traffic [--cookie C] [--interval-ms N] NODE...\n", why);
  std::exit(2);
}

settings parse(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--cookie" || arg == "--interval-ms") && i + 1 >= argc) usage("an option needs a value");
    if (arg == "--cookie")
      s.cookie = argv[++i];
    else if (arg == "--interval-ms")
      s.interval = std::chrono::milliseconds(std::atol(argv[++i]));
    else if (arg.starts_with("--"))
      usage("unknown option");
    else
      s.nodes.push_back(arg);
  }
  if (s.nodes.empty()) usage("no NODE");
  return s;
}

// After a failed call (a node down, say), a driver waits this long before its next request.
constexpr std::chrono::milliseconds failure_pause{100};

// One node's driver loop, until `stopping`; tells `starter` {up, Node} after its first answer.
void drive(node_stats& stats, const std::atomic<bool>& stopping, std::chrono::milliseconds interval,
           const term& starter) {
  const term counter = otp::tuple(atom("counter"), atom(stats.node));
  // The counter's value minus our increments, known (synced) while every read matched.
  long base = 0;
  bool synced = false;
  bool told = false;
  while (!stopping.load()) {
    otp::gen_server::cast(counter, otp::tuple(atom("increment"), 1));
    const long sent = ++stats.increments;
    try {
      const term value = otp::gen_server::call(counter, atom("get"));
      if (!value.is_integer()) throw otp::exit_exception(otp::tuple(atom("bad_answer"), value));
      ++stats.calls;
      stats.last_read = static_cast<long>(value.as_int());
      if (synced && stats.last_read != base + sent) {
        ++stats.mismatches;
        stats.note(stats.first_mismatch,
                   "read " + std::to_string(stats.last_read.load()) + ", expected " + std::to_string(base + sent));
      }
      base = stats.last_read - sent;
      if (!synced && !told) stats.start_value = base;
      synced = true;
      if (!told) {
        told = true;
        otp::send(starter, otp::tuple(atom("up"), atom(stats.node)));
      }
    } catch (const otp::exit_exception& e) {
      ++stats.failures;
      stats.note(stats.first_failure, e.reason().to_string());
      synced = false;  // the increment may or may not have landed
      otp::receive_for(failure_pause);
    }
    if (interval.count() > 0) otp::receive_for(interval);
  }
}

std::string progress(const std::deque<node_stats>& all) {
  std::string line = "traffic:";
  for (const node_stats& s : all)
    line += " " + s.node + " " + std::to_string(s.calls.load()) + " ok/" + std::to_string(s.failures.load()) +
            " failed (counter " + std::to_string(s.last_read.load()) + ")";
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  const settings config = parse(argc, argv);
  // Its own lines only: connections closing as the nodes stop are no news here.
  if (std::getenv("OTP_LOG_LEVEL") == nullptr) otp::log::set_level(otp::log::level::warning);
  // SIGINT and SIGTERM are waited for by the main thread; every runtime thread inherits the block.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::deque<node_stats> stats;  // a deque: the elements never move
  for (const std::string& n : config.nodes) stats.emplace_back().node = n;
  std::atomic<bool> stopping{false};
  std::vector<term> drivers;

  otp::runtime rt;
  const bool flowing = rt.run([&] {
    otp::node::options o;
    o.name = "traffic" + std::to_string(::getpid()) + "@127.0.0.1";
    o.cookie = config.cookie;
    o.hidden = true;
    try {
      otp::node::start(o);
    } catch (const otp::node::start_error& e) {
      std::fprintf(stderr, "traffic: cannot start the node %s: %s\n", o.name.c_str(), e.what());
      return false;
    }
    const term me = otp::self();
    for (node_stats& s : stats)
      drivers.push_back(otp::spawn([&s, &stopping, &config, me] { drive(s, stopping, config.interval, me); }));
    for (std::size_t up = 0; up < stats.size(); ++up)
      if (!otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("up")); }, 10s)) return false;
    return true;
  });
  if (flowing) {
    std::string names;
    for (const node_stats& s : stats) names += " " + s.node;
    std::printf("traffic: flowing to%s\n", names.c_str());
    std::fflush(stdout);
    const timespec second{1, 0};
    while (sigtimedwait(&stop_signals, nullptr, &second) < 0) {
      std::printf("%s\n", progress(stats).c_str());
      std::fflush(stdout);
    }
  }
  stopping.store(true);
  rt.run([&] {
    for (const term& d : drivers) otp::monitor(d);
    for (std::size_t down = 0; down < drivers.size(); ++down)
      otp::receive([](const term& m) { return m.is_tuple(5) && m[0].is_atom(atom("DOWN")); }, 10s);
  });

  bool clean = flowing;
  for (node_stats& s : stats) {
    std::lock_guard lock(s.mutex);
    const long expected = s.start_value + s.increments;
    std::printf(
        "traffic: %s: %ld increments, %ld calls answered, %ld failed, %ld mismatched; the counter went "
        "from %ld to %ld%s\n",
        s.node.c_str(), s.increments.load(), s.calls.load(), s.failures.load(), s.mismatches.load(),
        s.start_value.load(), s.last_read.load(),
        s.failures == 0 && s.mismatches == 0 && s.last_read == expected ? " (every increment counted)" : "");
    if (!s.first_failure.empty()) std::printf("traffic:   first failure: %s\n", s.first_failure.c_str());
    if (!s.first_mismatch.empty()) std::printf("traffic:   first mismatch: %s\n", s.first_mismatch.c_str());
    if (s.calls == 0) std::printf("traffic:   %s never answered\n", s.node.c_str());
    clean = clean && s.failures == 0 && s.mismatches == 0 && s.calls > 0;
  }
  return clean ? 0 : 1;
}
