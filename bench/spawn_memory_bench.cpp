// Starting gen_servers and keeping them idle. Twin: otp_bench.erl spawn_gen_server / idle_memory.
//
// - spawn_gen_server: one parent process start_links N counter servers one after the other
//   (start_link is synchronous: it returns once the server's init has acknowledged); reports
//   microseconds per server. It stands for "spawn of a supervised gen_server" until a supervisor
//   exists.
// - idle_gen_server_memory: the same N servers, left idle; reports the growth of the OS process's
//   resident set (/proc/self/statm) divided by N, in bytes per server. It must run first in a fresh
//   OS process (memory freed by earlier cases would be reused and hide the growth):
//   `otp_bench --benchmark_filter=idle_gen_server_memory`, as scripts/bench.sh does.
// In both, the parent then exits with reason shutdown, which takes its linked servers down, and the
// case waits until they are gone.
#include <cstdint>

#include "bench_support.hpp"

namespace otp_bench {
namespace {

struct spawn_outcome {
  double seconds = 0;               // to start_link all the servers
  std::size_t resident_growth = 0;  // resident bytes gained, once they are all up and idle
};

// The parent: start_links `servers` servers, sends `measurer` the seconds that took, waits for a
// message, then exits with shutdown (its servers, linked and not trapping exits, follow).
void parent_of_servers(const otp::term& measurer, std::int64_t servers) {
  const auto start = bench_clock::now();
  for (std::int64_t i = 0; i < servers; ++i)
    benchmark::DoNotOptimize(started_pid(otp::gen_server::start_link(counter_callbacks(), otp::term(0))));
  otp::send(measurer, otp::term(seconds_since(start)));
  otp::receive();
  otp::exit(otp::atoms::shutdown);
}

spawn_outcome start_idle_servers(std::int64_t servers) {
  const std::size_t processes_before = otp::runtime::current().process_count();
  const spawn_outcome outcome = otp::runtime::current().run([servers] {
    const std::size_t resident_before = resident_bytes();
    const otp::term measurer = otp::self();
    const otp::term parent = otp::spawn([measurer, servers] { parent_of_servers(measurer, servers); });
    const double seconds = otp::receive().as_float();
    otp::receive_for(std::chrono::milliseconds(20));  // the last servers finish their first slice
    const std::size_t resident_after = resident_bytes();
    otp::send(parent, otp::term(otp::atoms::stop));
    return spawn_outcome{seconds, resident_after > resident_before ? resident_after - resident_before : 0};
  });
  wait_for_process_count(processes_before);
  return outcome;
}

void spawn_gen_server(benchmark::State& state) {
  const std::int64_t servers = state.range(0);
  start_idle_servers(servers / 10);  // warm-up
  double total_seconds = 0;
  for (auto _ : state) {
    const double seconds = start_idle_servers(servers).seconds;
    state.SetIterationTime(seconds);
    total_seconds += seconds;
  }
  state.SetItemsProcessed(state.iterations() * servers);
  state.counters["us_per_process"] =
      total_seconds * 1e6 / static_cast<double>(servers * static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(spawn_gen_server)->Arg(100'000)->Apply(one_batch_per_iteration);

void idle_gen_server_memory(benchmark::State& state) {
  const std::int64_t servers = state.range(0);
  for (auto _ : state) {
    const spawn_outcome outcome = start_idle_servers(servers);
    state.SetIterationTime(outcome.seconds);
    state.counters["bytes_per_process"] = static_cast<double>(outcome.resident_growth) / static_cast<double>(servers);
  }
}
BENCHMARK(idle_gen_server_memory)->Arg(100'000)->Apply(one_batch_per_iteration);

}  // namespace
}  // namespace otp_bench
