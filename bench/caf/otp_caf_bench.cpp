// otp_caf_bench — the CAF 0.17 twin of otp-cpp's core benchmark cases (bench/*_bench.cpp) and of
// bench/erlang/otp_bench.erl: call_1to1, call_64x64, cast_1to1, send_1to1, ring_1000,
// spawn_gen_server and idle_gen_server_memory, with the same counts, message shapes and measurement.
//
// Every repetition of a case uses fresh actors, first does a tenth of its batch untimed (warm-up),
// then times the batch with steady_clock in the actor that drives it (the caller, the caster, the
// sender; for the ring and the 64 clients, the main thread's scoped actor, as the Erlang parent
// process); a case reports the median of its repetitions. The "gen_server" is an event-based
// counter actor: a `ping` request is answered with the count, an integer message adds one to it. A
// call is a request from an event-based client actor, the next one sent from the previous reply's
// handler (one in flight, as a blocking gen_server:call), without a timeout: CAF 0.17 hands a timed
// request to its clock thread and does not cancel the timeout when the reply comes (it fires later
// and is dropped), which more than halves the call rate and spills into the next repetition; the
// twin measures CAF at its fastest.
//
// CAF kills an actor nothing refers to (exit reason `unreachable`), where an Erlang process lives on
// unreferenced: a handle to each actor is kept until its case ends. Actors run on CAF's
// work-stealing scheduler with one thread per core (OTP_BENCH_SCHEDULERS=N overrides it, as for
// otp_bench).
//
// Usage: otp_caf_bench REPETITIONS CASE...   (idle_gen_server_memory must run alone in a fresh
// process: memory freed by earlier cases would be reused and hide the growth)
// Output: otp_bench.erl's, one line per case, tab-separated: case, median, unit, count (the batch
// size), coefficient of variation over the repetitions.
#include <unistd.h>

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using go_atom = caf::atom_constant<caf::atom("go")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

// --- the counter server (otp_bench.erl's gen_server callbacks) --------------------------------------

struct counter_state {
  std::int64_t count = 0;
};
using counter_actor = caf::stateful_actor<counter_state>;

caf::behavior counter_behavior(counter_actor* self) {
  return {
      [self](ping_atom) { return self->state.count; },  // handle_call: reply with the count
      [self](std::int64_t) { ++self->state.count; },    // handle_cast: add one
  };
}

caf::behavior counter_server(counter_actor* self) { return counter_behavior(self); }

// A counter server that tells `parent` it has initialised: gen_server:start_link's init ack.
caf::behavior acknowledging_counter_server(counter_actor* self, const caf::actor& parent) {
  self->send(parent, ready_atom::value);
  return counter_behavior(self);
}

// --- clients ----------------------------------------------------------------------------------------

// A calling client: `call_many` calls its server `calls` times in a row, then runs `finished`.
struct caller_state {
  caf::actor server;
  std::int64_t calls_left = 0;
  std::function<void()> finished;
};
using caller_actor = caf::stateful_actor<caller_state>;

void call_next(caller_actor* self) {
  self->request(self->state.server, caf::infinite, ping_atom::value).then([self](std::int64_t) {
    if (--self->state.calls_left > 0) return call_next(self);
    const auto finished = std::move(self->state.finished);  // it may start the next batch
    finished();
  });
}

void call_many(caller_actor* self, std::int64_t calls, std::function<void()> finished) {
  self->state.calls_left = calls;
  self->state.finished = std::move(finished);
  call_next(self);
}

// Casts `casts` integers to `server`, then requests a ping it answers only after handling them all
// (mailboxes are FIFO); `finished` gets the seconds that took.
void cast_batch(caf::event_based_actor* self, const caf::actor& server, std::int64_t casts,
                std::function<void(double)> finished) {
  const auto start = bench_clock::now();
  for (std::int64_t i = 0; i < casts; ++i) self->send(server, i);
  self->request(server, caf::infinite, ping_atom::value).then([start, finished](std::int64_t) {
    finished(seconds_since(start));
  });
}

// The receiver of send_1to1: takes `count` messages, then tells `parent` it is done.
struct receiver_state {
  std::int64_t received = 0;
};
caf::behavior counting_receiver(caf::stateful_actor<receiver_state>* self, std::int64_t count,
                                const caf::actor& parent) {
  return {[self, count, parent](std::int64_t) {
    if (++self->state.received < count) return;
    self->send(parent, done_atom::value);
    self->quit();
  }};
}

// The sender of send_1to1: sends the integers 0..count-1 to a fresh receiver, waits for its `done`.
struct sender_state {
  caf::actor receiver;
  bench_clock::time_point start;
  bool warmed_up = false;
};
using sender_actor = caf::stateful_actor<sender_state>;

void send_batch(sender_actor* self, std::int64_t count) {
  self->state.receiver = self->spawn(counting_receiver, count, caf::actor_cast<caf::actor>(self));
  self->state.start = bench_clock::now();
  for (std::int64_t i = 0; i < count; ++i) self->send(self->state.receiver, i);
}

caf::behavior sender(sender_actor* self, std::int64_t count, const caf::actor& parent) {
  send_batch(self, count / 10);
  return {[self, count, parent](done_atom) {
    if (!self->state.warmed_up) {
      self->state.warmed_up = true;
      return send_batch(self, count);
    }
    self->send(parent, seconds_since(self->state.start));
    self->quit();
  }};
}

// A ring member: learns its successor, then forwards tokens (hops left) until none can come back.
// The token reaching 0 ends the run: its holder tells `parent`.
caf::behavior ring_member(caf::event_based_actor* self, const caf::actor& parent, std::int64_t ring_size) {
  return {[self, parent, ring_size](const caf::actor& next) {
    self->become([self, parent, ring_size, next](std::int64_t hops_left) {
      if (hops_left == 0) {
        self->send(parent, done_atom::value);
        return self->quit();
      }
      self->send(next, hops_left - 1);
      if (hops_left < ring_size) self->quit();  // the token will not come back here
    });
  }};
}

// The parent of spawn_gen_server and idle_gen_server_memory: spawns `servers` counter servers linked
// to it, one after the other, each once the previous one has acknowledged its init; sends
// `measurer` the seconds that took, then on `stop` exits with user_shutdown (its servers follow). It
// holds their handles, as the top of this file says.
struct parent_state {
  std::vector<caf::actor> servers;
  bench_clock::time_point start;
};
using parent_actor = caf::stateful_actor<parent_state>;

void start_next_server(parent_actor* self) {
  self->state.servers.push_back(
      self->spawn<caf::linked>(acknowledging_counter_server, caf::actor_cast<caf::actor>(self)));
}

caf::behavior parent_of_servers(parent_actor* self, const caf::actor& measurer, std::int64_t servers) {
  self->state.servers.reserve(static_cast<std::size_t>(servers));
  self->state.start = bench_clock::now();
  start_next_server(self);
  return {
      [self, measurer, servers](ready_atom) {
        if (static_cast<std::int64_t>(self->state.servers.size()) < servers) return start_next_server(self);
        self->send(measurer, seconds_since(self->state.start));
      },
      [self](stop_atom) { self->quit(caf::exit_reason::user_shutdown); },
  };
}

// --- the cases: each returns the seconds its timed batch took ----------------------------------------

double receive_seconds(caf::scoped_actor& self) {
  double seconds = 0;
  self->receive([&seconds](double s) { seconds = s; });
  return seconds;
}

void receive_many(caf::scoped_actor& self, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) self->receive([](caf::atom_value) {});
}

double call_1to1(caf::actor_system& system, std::int64_t calls) {
  caf::scoped_actor self{system};
  const caf::actor server = system.spawn(counter_server);
  const caf::actor parent = caf::actor_cast<caf::actor>(self);
  const caf::actor client_handle = system.spawn([server, parent, calls](caller_actor* client) {
    client->state.server = server;
    call_many(client, calls / 10, [client, parent, calls] {
      const auto start = bench_clock::now();
      call_many(client, calls, [client, parent, start] { client->send(parent, seconds_since(start)); });
    });
  });
  const double seconds = receive_seconds(self);
  self->send_exit(server, caf::exit_reason::user_shutdown);
  return seconds;
}

// 64 clients, each calling its own server; the clock runs from `go` until the last has finished.
double call_64x64(caf::actor_system& system, std::int64_t calls) {
  constexpr int pairs = 64;
  const std::int64_t per_client = calls / pairs;
  caf::scoped_actor self{system};
  const caf::actor parent = caf::actor_cast<caf::actor>(self);
  std::vector<caf::actor> servers;
  std::vector<caf::actor> clients;
  for (int i = 0; i < pairs; ++i) {
    const caf::actor server = system.spawn(counter_server);
    servers.push_back(server);
    clients.push_back(system.spawn([server, parent, per_client](caller_actor* client) -> caf::behavior {
      client->state.server = server;
      call_many(client, per_client / 10, [client, parent] { client->send(parent, ready_atom::value); });
      return {[client, parent, per_client](go_atom) {
        call_many(client, per_client, [client, parent] {
          client->send(parent, done_atom::value);
          client->quit();
        });
      }};
    }));
  }
  receive_many(self, pairs);  // ready
  const auto start = bench_clock::now();
  for (const caf::actor& client : clients) self->send(client, go_atom::value);
  receive_many(self, pairs);  // done
  const double seconds = seconds_since(start);
  for (const caf::actor& server : servers) self->send_exit(server, caf::exit_reason::user_shutdown);
  return seconds;
}

double cast_1to1(caf::actor_system& system, std::int64_t casts) {
  caf::scoped_actor self{system};
  const caf::actor server = system.spawn(counter_server);
  const caf::actor parent = caf::actor_cast<caf::actor>(self);
  const caf::actor client_handle = system.spawn([server, parent, casts](caf::event_based_actor* client) {
    cast_batch(client, server, casts / 10, [client, server, parent, casts](double) {
      cast_batch(client, server, casts, [client, parent](double seconds) { client->send(parent, seconds); });
    });
  });
  const double seconds = receive_seconds(self);
  self->send_exit(server, caf::exit_reason::user_shutdown);
  return seconds;
}

double send_1to1(caf::actor_system& system, std::int64_t count) {
  caf::scoped_actor self{system};
  const caf::actor sender_handle = system.spawn(sender, count, caf::actor_cast<caf::actor>(self));
  return receive_seconds(self);
}

// Builds a ring of `ring_size` members and passes one token `hops` times (a multiple of ring_size)
// around it; the seconds from the first send to the last hop.
double ring_batch(caf::actor_system& system, std::int64_t ring_size, std::int64_t hops) {
  caf::scoped_actor self{system};
  const caf::actor parent = caf::actor_cast<caf::actor>(self);
  std::vector<caf::actor> members;
  members.reserve(static_cast<std::size_t>(ring_size));
  for (std::int64_t i = 0; i < ring_size; ++i) members.push_back(system.spawn(ring_member, parent, ring_size));
  for (std::size_t i = 0; i < members.size(); ++i) self->send(members[i], members[(i + 1) % members.size()]);
  const auto start = bench_clock::now();
  self->send(members.front(), hops);
  receive_many(self, 1);  // done
  return seconds_since(start);
}

double ring_1000(caf::actor_system& system, std::int64_t hops) {
  constexpr std::int64_t ring_size = 1000;
  ring_batch(system, ring_size, hops / 10);
  return ring_batch(system, ring_size, hops);
}

// Resident set size of this OS process, from /proc/self/statm (as the other twins read it).
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total_pages = 0;
  std::size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

struct spawn_outcome {
  double seconds = 0;               // to spawn all the servers, each acknowledged
  std::size_t resident_growth = 0;  // resident bytes gained, once they are all up and idle
};

spawn_outcome start_idle_servers(caf::actor_system& system, std::int64_t servers) {
  caf::scoped_actor self{system};
  const std::size_t running_before = system.registry().running();
  const std::size_t resident_before = resident_bytes();
  const caf::actor parent = system.spawn(parent_of_servers, caf::actor_cast<caf::actor>(self), servers);
  const double seconds = receive_seconds(self);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // as the other twins: let the last settle
  const std::size_t resident_after = resident_bytes();
  self->send(parent, stop_atom::value);
  system.registry().await_running_count_equal(running_before);
  return spawn_outcome{seconds, resident_after > resident_before ? resident_after - resident_before : 0};
}

// --- running and reporting --------------------------------------------------------------------------

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Sample standard deviation / mean, as Google Benchmark's _cv and otp_bench.erl's.
double coefficient_of_variation(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double n = static_cast<double>(values.size());
  const double mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  double squares = 0;
  for (const double v : values) squares += (v - mean) * (v - mean);
  return mean == 0 ? 0 : std::sqrt(squares / (n - 1)) / mean;
}

void report(const std::string& name, const std::vector<double>& values, const char* unit, std::int64_t count) {
  std::printf("%s\t%.2f\t%s\t%lld\t%.4f\n", name.c_str(), median(values), unit, static_cast<long long>(count),
              coefficient_of_variation(values));
  std::fflush(stdout);
}

using rate_case = double (*)(caf::actor_system&, std::int64_t);

void run_case(caf::actor_system& system, const std::string& name, int repetitions) {
  static const std::map<std::string, std::pair<rate_case, std::int64_t>> rate_cases = {
      {"call_1to1", {call_1to1, 200'000}},   {"call_64x64", {call_64x64, 256'000}},
      {"cast_1to1", {cast_1to1, 1'000'000}}, {"send_1to1", {send_1to1, 2'000'000}},
      {"ring_1000", {ring_1000, 1'000'000}},
  };
  constexpr std::int64_t servers = 100'000;
  std::vector<double> values;
  if (name == "idle_gen_server_memory") {
    values.push_back(static_cast<double>(start_idle_servers(system, servers).resident_growth) / servers);
    return report(name, values, "bytes", servers);
  }
  if (name == "spawn_gen_server") {
    for (int i = 0; i < repetitions; ++i) {
      start_idle_servers(system, servers / 10);  // warm-up
      values.push_back(start_idle_servers(system, servers).seconds * 1e6 / servers);
    }
    return report(name, values, "us/process", servers);
  }
  const auto found = rate_cases.find(name);
  if (found == rate_cases.end()) throw std::invalid_argument("unknown case: " + name);
  const auto [run, count] = found->second;
  for (int i = 0; i < repetitions; ++i) values.push_back(static_cast<double>(count) / run(system, count));
  report(name, values, "items/s", count);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s REPETITIONS CASE...\n", argv[0]);
    return 2;
  }
  const int repetitions = std::stoi(argv[1]);
  std::size_t threads = std::thread::hardware_concurrency();
  if (const char* schedulers = std::getenv("OTP_BENCH_SCHEDULERS")) threads = std::stoul(schedulers);
  caf::actor_system_config config;
  config.set("scheduler.policy", caf::atom("stealing"));
  config.set("scheduler.max-threads", threads);
  caf::actor_system system{config};
  try {
    for (int i = 2; i < argc; ++i) run_case(system, argv[i], repetitions);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "otp_caf_bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
