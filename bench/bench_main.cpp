// Entry point of otp_bench: creates the one otp::runtime every benchmark runs on, then runs Google
// Benchmark with its usual command line. Default runtime options (one scheduler thread per core);
// OTP_BENCH_SCHEDULERS=N overrides the scheduler count, for diagnosis. OTP_BENCH_OBSERVER=PORT runs
// the benchmarks with the web observer on (docs/observer.md): the node agent it asks and the
// observer on 127.0.0.1:PORT, for a client to attach to (bench/README.md, "The observer").
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "otp/node_agent.hpp"
#include "otp/observer.hpp"
#include "otp/runtime.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  otp::runtime_options options;
  if (const char* schedulers = std::getenv("OTP_BENCH_SCHEDULERS"))
    options.schedulers = static_cast<unsigned>(std::stoul(schedulers));
  otp::runtime runtime(options);
  benchmark::AddCustomContext("otp_schedulers", std::to_string(runtime.scheduler_count()));
  std::optional<otp::observer::observer> observer;  // destroyed before the runtime
  if (const char* port = std::getenv("OTP_BENCH_OBSERVER")) {
    runtime.run([] { otp::release::node_agent::start_link([] {}); });
    otp::observer::observer_options on;
    on.port = static_cast<std::uint16_t>(std::stoul(port));
    observer.emplace(on);
    benchmark::AddCustomContext("otp_observer", observer->url());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
