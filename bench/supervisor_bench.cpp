// Supervisor restarts. Twin: bench/erlang/supervisor_bench.erl (same cases, counts and measurement).
//
//   sup_restart_kill_{quiet,logged}       a permanent worker under one_for_one is killed; time from
//                                         exit(Pid, kill) until the restarted worker answers a call.
//   sup_restart_exception_{quiet,logged}  the same, the worker crashing with an exception in
//                                         handle_call; time from the call until the new one answers.
//   sup_restart_burst_1k_{quiet,logged}   1000 workers of a simple_one_for_one are killed at once; time
//                                         until all 1000 have restarted (restarts/s).
// Every restarted worker announces itself ({started, Pid} to the bench process) from init, so no case
// polls. Latency cases report the median sample of the batch as the counter us_p50. "quiet" sets the
// log level above error (no reports at all); "logged" uses level notice, the OTP default primary
// level: crash and supervisor reports are written (to stderr), progress reports are not.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bench_support.hpp"
#include "otp/log.hpp"
#include "otp/supervisor.hpp"

namespace otp_bench {
namespace {

namespace sup = otp::supervisor;
namespace gs = otp::gen_server;

otp::atom started_atom() {
  static const otp::atom a("started");
  return a;
}
otp::atom crash_atom() {
  static const otp::atom a("crash");
  return a;
}

// The worker: counter_server's replies, announces itself to `observer` from init, and throws when
// called with `crash`.
class restart_worker final : public gs::behaviour {
 public:
  explicit restart_worker(otp::term observer) : observer_(std::move(observer)) {}
  gs::init_result init(const otp::term&) override {
    otp::send(observer_, otp::tuple(started_atom(), otp::self()));
    return gs::init_result::ok(0);
  }
  gs::result handle_call(const otp::term& request, const otp::term&, const otp::term& state) override {
    if (request.is_atom(crash_atom())) throw std::runtime_error("crash");
    return gs::result::reply(state, state);
  }
  std::string module_name() const override { return "supervisor_bench"; }

 private:
  otp::term observer_;
};

class bench_sup final : public sup::behaviour {
 public:
  bench_sup(sup::strategy s, otp::term observer) : strategy_(s), observer_(std::move(observer)) {}
  sup::init_result init(const otp::term&) override {
    sup::flags f;
    f.restart_strategy = strategy_;
    f.intensity = 1'000'000'000;  // never reached by a batch
    f.period = 1;
    auto worker = std::make_shared<restart_worker>(observer_);
    sup::child_spec spec = sup::child_spec::worker(
        otp::atom("worker"), [worker](const otp::term&) { return gs::start_link(worker, otp::term()); });
    spec.start = otp::tuple(otp::atom("supervisor_bench"), otp::atom("start_worker"), otp::term());
    return sup::init_result::ok(f, {spec});
  }
  std::string module_name() const override { return "supervisor_bench"; }

 private:
  sup::strategy strategy_;
  otp::term observer_;
};

otp::term await_started() {
  const otp::atom tag = started_atom();
  auto m = otp::receive([tag](const otp::term& x) { return x.is_tuple(2) && x[0].is_atom(tag); }, otp::infinity);
  return (*m)[1];
}

// Sets the log level for a case and restores it afterwards.
class log_level_for_case {
 public:
  explicit log_level_for_case(bool logged) : saved_(otp::log::get_level()) {
    otp::log::set_level(logged ? otp::log::level::notice : otp::log::level::critical);
  }
  ~log_level_for_case() { otp::log::set_level(saved_); }
  log_level_for_case(const log_level_for_case&) = delete;
  log_level_for_case& operator=(const log_level_for_case&) = delete;

 private:
  otp::log::level saved_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One batch of `restarts` latency samples; returns {total seconds, median µs}.
std::pair<double, double> restart_latency_batch(std::int64_t restarts, bool by_exception) {
  return otp::runtime::current().run([restarts, by_exception] {
    otp::trap_exit(true);
    const otp::term sup_pid =
        started_pid(sup::start_link(std::make_shared<bench_sup>(sup::strategy::one_for_one, otp::self()), otp::term()));
    otp::term worker = await_started();
    const otp::term ping(ping_atom());
    const otp::term crash(crash_atom());
    auto one_restart = [&] {
      if (by_exception) {
        try {
          otp::gen_server::call(worker, crash);
        } catch (const otp::exit_exception&) {
        }
      } else {
        otp::exit(worker, otp::atoms::kill);
      }
      worker = await_started();
      benchmark::DoNotOptimize(otp::gen_server::call(worker, ping));
    };
    for (std::int64_t i = 0; i < restarts / 10; ++i) one_restart();  // warm-up
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(restarts));
    const auto start = bench_clock::now();
    for (std::int64_t i = 0; i < restarts; ++i) {
      const auto t0 = bench_clock::now();
      one_restart();
      samples.push_back(std::chrono::duration<double, std::micro>(bench_clock::now() - t0).count());
    }
    const double total = seconds_since(start);
    otp::unlink(sup_pid);
    const otp::term ref = otp::monitor(sup_pid);
    otp::exit(sup_pid, otp::atoms::shutdown);
    otp::receive([&ref](const otp::term& m) { return m.is_tuple(5) && m[1] == ref; }, otp::infinity);
    return std::make_pair(total, median(std::move(samples)));
  });
}

void restart_latency(benchmark::State& state, bool by_exception, bool logged) {
  const std::int64_t restarts = state.range(0);
  log_level_for_case level(logged);
  double p50 = 0;
  for (auto _ : state) {
    const auto [seconds, median_us] = restart_latency_batch(restarts, by_exception);
    state.SetIterationTime(seconds);
    p50 = median_us;
  }
  state.counters["us_p50"] = p50;
  state.SetItemsProcessed(state.iterations() * restarts);
}

void sup_restart_kill_quiet(benchmark::State& state) { restart_latency(state, false, false); }
void sup_restart_kill_logged(benchmark::State& state) { restart_latency(state, false, true); }
void sup_restart_exception_quiet(benchmark::State& state) { restart_latency(state, true, false); }
void sup_restart_exception_logged(benchmark::State& state) { restart_latency(state, true, true); }
BENCHMARK(sup_restart_kill_quiet)->Arg(2000)->Apply(one_batch_per_iteration);
BENCHMARK(sup_restart_kill_logged)->Arg(2000)->Apply(one_batch_per_iteration);
BENCHMARK(sup_restart_exception_quiet)->Arg(2000)->Apply(one_batch_per_iteration);
BENCHMARK(sup_restart_exception_logged)->Arg(2000)->Apply(one_batch_per_iteration);

// 1000 simple_one_for_one workers killed at once; seconds until all have restarted.
void restart_burst(benchmark::State& state, bool logged) {
  const std::int64_t children = state.range(0);
  log_level_for_case level(logged);
  for (auto _ : state) {
    const double seconds = otp::runtime::current().run([children] {
      otp::trap_exit(true);
      const otp::term sup_pid = started_pid(
          sup::start_link(std::make_shared<bench_sup>(sup::strategy::simple_one_for_one, otp::self()), otp::term()));
      std::vector<otp::term> workers;
      for (std::int64_t i = 0; i < children; ++i) {
        sup::start_child(sup_pid, otp::term());
        workers.push_back(await_started());
      }
      const auto start = bench_clock::now();
      for (const otp::term& w : workers) otp::exit(w, otp::atoms::kill);
      for (std::int64_t i = 0; i < children; ++i) await_started();
      const double elapsed = seconds_since(start);
      otp::unlink(sup_pid);
      const otp::term ref = otp::monitor(sup_pid);
      otp::exit(sup_pid, otp::atoms::shutdown);
      otp::receive([&ref](const otp::term& m) { return m.is_tuple(5) && m[1] == ref; }, otp::infinity);
      return elapsed;
    });
    state.SetIterationTime(seconds);
  }
  state.SetItemsProcessed(state.iterations() * children);
}

void sup_restart_burst_1k_quiet(benchmark::State& state) { restart_burst(state, false); }
void sup_restart_burst_1k_logged(benchmark::State& state) { restart_burst(state, true); }
BENCHMARK(sup_restart_burst_1k_quiet)->Arg(1000)->Apply(one_batch_per_iteration);
BENCHMARK(sup_restart_burst_1k_logged)->Arg(1000)->Apply(one_batch_per_iteration);

}  // namespace
}  // namespace otp_bench
