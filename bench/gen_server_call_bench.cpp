// gen_server:call round trips (calls/s): one client calling one server, and 64 clients each calling
// its own server (64 pairs at once, total calls/s). Twin: otp_bench.erl call_1to1 / call_64x64.
//
// Each client first makes a tenth of its calls untimed (warm-up); the clock runs from the moment the
// clients are told to go until the last one has finished. Servers are started before and stopped
// after the timed part.
#include <cstdint>
#include <vector>

#include "bench_support.hpp"

namespace otp_bench {
namespace {

void call_1to1(benchmark::State& state) {
  const std::int64_t calls = state.range(0);
  for (auto _ : state) {
    const double seconds = otp::runtime::current().run([calls] {
      const otp::term server = start_counter_server();
      call_many(server, calls / 10);
      const auto start = bench_clock::now();
      call_many(server, calls);
      const double elapsed = seconds_since(start);
      otp::gen_server::stop(server);
      return elapsed;
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * calls);
}
BENCHMARK(call_1to1)->Arg(200'000)->Apply(one_batch_per_iteration);

void call_64x64(benchmark::State& state) {
  constexpr int pairs = 64;
  const std::int64_t calls_per_client = state.range(0) / pairs;
  for (auto _ : state) {
    const double seconds = otp::runtime::current().run([calls_per_client] {
      std::vector<otp::term> servers;
      std::vector<otp::term> clients;
      const otp::term parent = otp::self();
      for (int i = 0; i < pairs; ++i) {
        const otp::term server = start_counter_server();
        servers.push_back(server);
        clients.push_back(otp::spawn([server, parent, calls_per_client] {
          call_many(server, calls_per_client / 10);
          otp::send(parent, ready_atom());
          otp::receive();  // go
          call_many(server, calls_per_client);
          otp::send(parent, done_atom());
        }));
      }
      receive_many(pairs);  // ready
      const auto start = bench_clock::now();
      for (const otp::term& client : clients) otp::send(client, go_atom());
      receive_many(pairs);  // done
      const double elapsed = seconds_since(start);
      for (const otp::term& server : servers) otp::gen_server::stop(server);
      return elapsed;
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * calls_per_client * pairs);
}
BENCHMARK(call_64x64)->Arg(256'000)->Apply(one_batch_per_iteration);

}  // namespace
}  // namespace otp_bench
