// Message throughput (messages/s): gen_server:cast from one client to one server, plain otp::send
// from one process to another, and a ring of 1000 processes passing one token around.
// Twin: otp_bench.erl cast_1to1 / send_1to1 / ring_1000.
//
// - cast: the client casts N messages as fast as it can, then a call (infinity timeout) that the
//   server answers only after handling them all (mailboxes are FIFO); the clock covers both.
// - send: the sender sends the integers 0..N-1; the receiver takes N messages and answers `done`.
// - ring: each process forwards the token (an integer: hops left) to the next; N hops in all, one
//   token in flight, so this measures the latency of a hop (wake-up included) more than bandwidth.
// Each case first runs a tenth of its batch untimed (warm-up).
#include <cstdint>
#include <vector>

#include "bench_support.hpp"

namespace otp_bench {
namespace {

// Casts `casts` messages to `server`, then waits until it has handled them; returns the seconds taken.
double cast_batch(const otp::term& server, std::int64_t casts) {
  const auto start = bench_clock::now();
  for (std::int64_t i = 0; i < casts; ++i) otp::gen_server::cast(server, otp::term(i));
  benchmark::DoNotOptimize(otp::gen_server::call(server, otp::term(ping_atom()), otp::infinity));
  return seconds_since(start);
}

void cast_1to1(benchmark::State& state) {
  const std::int64_t casts = state.range(0);
  for (auto _ : state) {
    const double seconds = otp::runtime::current().run([casts] {
      const otp::term server = start_counter_server();
      cast_batch(server, casts / 10);
      const double elapsed = cast_batch(server, casts);
      otp::gen_server::stop(server);
      return elapsed;
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * casts);
}
BENCHMARK(cast_1to1)->Arg(1'000'000)->Apply(one_batch_per_iteration);

// Sends `count` integers to a fresh receiver and waits for its `done`; returns the seconds taken.
double send_batch(std::int64_t count) {
  const otp::term parent = otp::self();
  const otp::term receiver = otp::spawn([parent, count] {
    receive_many(count);
    otp::send(parent, done_atom());
  });
  const auto start = bench_clock::now();
  for (std::int64_t i = 0; i < count; ++i) otp::send(receiver, otp::term(i));
  otp::receive();  // done
  return seconds_since(start);
}

void send_1to1(benchmark::State& state) {
  const std::int64_t count = state.range(0);
  for (auto _ : state) {
    const double seconds = otp::runtime::current().run([count] {
      send_batch(count / 10);
      return send_batch(count);
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * count);
}
BENCHMARK(send_1to1)->Arg(2'000'000)->Apply(one_batch_per_iteration);

// A ring member: learns its successor, then forwards tokens (hops left) until none can come back.
// The token reaching 0 ends the run: its holder tells `parent`. Member 0 receives the first token.
void ring_member(const otp::term& parent, std::int64_t ring_size) {
  const otp::term next = otp::receive();
  for (;;) {
    const std::int64_t hops_left = otp::receive().as_int();
    if (hops_left == 0) {
      otp::send(parent, done_atom());
      return;
    }
    otp::send(next, otp::term(hops_left - 1));
    if (hops_left < ring_size) return;  // the token will not come back here
  }
}

// Builds a ring of `ring_size` processes and passes one token `hops` times (a multiple of
// ring_size) around it; returns the seconds from the first send to the last hop.
double ring_batch(std::int64_t ring_size, std::int64_t hops) {
  const otp::term parent = otp::self();
  std::vector<otp::term> members;
  members.reserve(static_cast<std::size_t>(ring_size));
  for (std::int64_t i = 0; i < ring_size; ++i)
    members.push_back(otp::spawn([parent, ring_size] { ring_member(parent, ring_size); }));
  for (std::size_t i = 0; i < members.size(); ++i) otp::send(members[i], members[(i + 1) % members.size()]);
  const auto start = bench_clock::now();
  otp::send(members.front(), otp::term(hops));
  otp::receive();  // done
  return seconds_since(start);
}

void ring_1000(benchmark::State& state) {
  constexpr std::int64_t ring_size = 1000;
  const std::int64_t hops = state.range(0);
  for (auto _ : state) {
    const double seconds = otp::runtime::current().run([hops] {
      ring_batch(ring_size, hops / 10);
      return ring_batch(ring_size, hops);
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * hops);
}
BENCHMARK(ring_1000)->Arg(1'000'000)->Apply(one_batch_per_iteration);

}  // namespace
}  // namespace otp_bench
