// Shared pieces of the otp-cpp benchmarks (otp_bench): the counting gen_server every case uses, the
// control messages, timing and memory probes. bench/erlang/otp_bench.erl is the Erlang twin of all
// of it; keep the two in step (same message counts, same shapes, same measurement).
//
// Every case runs on the one otp::runtime that main() creates (default options: one scheduler per
// core). A case does its work inside a process (runtime::run), times only the measured part with
// steady_clock from inside that process and hands the time to Google Benchmark as manual time; a
// benchmark iteration is one whole batch (Iterations(1)), repeated with --benchmark_repetitions.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "otp/gen_server.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term.hpp"

namespace otp_bench {

using bench_clock = std::chrono::steady_clock;

inline double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

// Control messages between a case's processes (interned once; sending an atom costs nothing).
inline otp::atom ready_atom() {
  static const otp::atom a("ready");
  return a;
}
inline otp::atom go_atom() {
  static const otp::atom a("go");
  return a;
}
inline otp::atom done_atom() {
  static const otp::atom a("done");
  return a;
}
inline otp::atom ping_atom() {
  static const otp::atom a("ping");
  return a;
}

// The server of every gen_server case, twin of otp_bench.erl's callbacks: the state is a counter;
// handle_call replies with it, handle_cast adds one to it.
class counter_server final : public otp::gen_server::behaviour {
 public:
  otp::gen_server::init_result init(const otp::term&) override { return otp::gen_server::init_result::ok(0); }
  otp::gen_server::result handle_call(const otp::term&, const otp::term&, const otp::term& state) override {
    return otp::gen_server::result::reply(state, state);
  }
  otp::gen_server::result handle_cast(const otp::term&, const otp::term& state) override {
    return otp::gen_server::result::noreply(state.as_int() + 1);
  }
  std::string module_name() const override { return "otp_bench"; }
};

// One callback object shared by every server, as one module serves every Erlang process running it.
inline const std::shared_ptr<counter_server>& counter_callbacks() {
  static const auto callbacks = std::make_shared<counter_server>();
  return callbacks;
}

// The pid out of gen_server:start/start_link's {ok, Pid}; throws on anything else.
inline otp::term started_pid(const otp::term& start_result) {
  if (!start_result.is_tuple(2) || !start_result[0].is_atom(otp::atoms::ok))
    throw std::runtime_error("gen_server start failed: " + start_result.to_string());
  return start_result[1];
}

inline otp::term start_counter_server() {
  return started_pid(otp::gen_server::start(counter_callbacks(), otp::term(0)));
}

// gen_server:call(Server, ping) `calls` times (call/2: the default 5 s timeout, as in Erlang).
inline void call_many(const otp::term& server, std::int64_t calls) {
  const otp::term request(ping_atom());
  for (std::int64_t i = 0; i < calls; ++i) benchmark::DoNotOptimize(otp::gen_server::call(server, request));
}

// Receives `count` messages, whatever they are.
inline void receive_many(std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) benchmark::DoNotOptimize(otp::receive());
}

// Waits (from a plain thread) until at most `count` processes are alive: cases kill what they started
// before the next one runs.
inline void wait_for_process_count(std::size_t count) {
  while (otp::runtime::current().process_count() > count) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// Resident set size of this OS process, from /proc/self/statm (the Erlang twin reads the same file).
inline std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total_pages = 0;
  std::size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// The settings every case shares: one batch per iteration, timed by the case itself.
inline void one_batch_per_iteration(benchmark::internal::Benchmark* b) {
  b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace otp_bench
