// Entry point of otp_bench: creates the one otp::runtime every benchmark runs on, then runs Google
// Benchmark with its usual command line. Default runtime options (one scheduler thread per core);
// OTP_BENCH_SCHEDULERS=N overrides the scheduler count, for diagnosis.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "otp/runtime.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  otp::runtime_options options;
  if (const char* schedulers = std::getenv("OTP_BENCH_SCHEDULERS"))
    options.schedulers = static_cast<unsigned>(std::stoul(schedulers));
  otp::runtime runtime(options);
  benchmark::AddCustomContext("otp_schedulers", std::to_string(runtime.scheduler_count()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
