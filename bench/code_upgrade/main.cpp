// Upgrading N live gen_servers of one module the way otp-cpp's release handler does: suspend all,
// load the new version (purge first), change_code each, resume all; the batch calls send every
// request before awaiting any reply. Prints one tab-separated line per case:
//   upgrade_<N>  <total ms>  <longest suspension ms>   (median of the repetitions)
//   load_module  <us>                                   (median of 200 loads, purge included)
// A process's suspension is bounded from above by the time from its suspend request leaving to
// its resume reply arriving; the longest suspension is the largest of these. Usage: otp_code_upgrade_bench
// [repetitions] [N...]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <otp/code.hpp>
#include <otp/gen_server.hpp>
#include <otp/runtime.hpp>
#include <otp/sys.hpp>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using otp::atom;
using otp::term;
using clock_type = std::chrono::steady_clock;

namespace {

const fs::path modules = OTP_BENCH_MODULES;
const atom module("upgrade_srv");

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void require(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "code_upgrade_bench: " << what << "\n";
    std::exit(1);
  }
}

void require_all_ok(const otp::sys::batch& b, const char* step) {
  for (const term& r : b.results) require(r.is_atom(otp::atoms::ok), std::string(step) + " failed: " + r.to_string());
}

struct upgrade_figures {
  double total_ms;
  double longest_suspension_ms;
};

// One upgrade of `servers` from version 1 to version 2; they are left on version 2.
upgrade_figures upgrade(const std::vector<term>& servers) {
  const auto start = clock_type::now();
  const otp::sys::batch suspended = otp::sys::suspend_all(servers, otp::infinity);
  require_all_ok(suspended, "suspend");
  const otp::code::load_result loaded = otp::code::load(modules / "upgrade_srv-2.so");
  require(static_cast<bool>(loaded), loaded.message);
  require_all_ok(otp::sys::change_code_all(servers, module, otp::binary("1"), term(), otp::infinity), "change_code");
  const otp::sys::batch resumed = otp::sys::resume_all(servers, otp::infinity);
  require_all_ok(resumed, "resume");
  const double total = ms_since(start);
  double longest = 0;
  for (std::size_t i = 0; i < servers.size(); ++i)
    longest = std::max(
        longest, std::chrono::duration<double, std::milli>(resumed.answered_at[i] - suspended.sent_at[i]).count());
  return {total, longest};
}

void bench_upgrade(std::size_t n, int repetitions) {
  std::vector<double> totals, longest;
  for (int r = 0; r < repetitions; ++r) {
    require(static_cast<bool>(otp::code::load(modules / "upgrade_srv-1.so")), "cannot load version 1");
    std::vector<term> servers;
    servers.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const term started = otp::code::start_server(module, term());
      require(started.is_tuple(2), "cannot start a server: " + started.to_string());
      servers.push_back(started[1]);
    }
    const upgrade_figures f = upgrade(servers);
    totals.push_back(f.total_ms);
    longest.push_back(f.longest_suspension_ms);
    for (const term& pid : servers) otp::exit(pid, otp::atoms::kill);
    for (const term& pid : servers)
      while (otp::is_process_alive(pid)) otp::receive_for(otp::milliseconds(1));
  }
  std::cout << "upgrade_" << n << "\t" << median(totals) << "\t" << median(longest) << std::endl;
}

void bench_load(int loads) {
  std::vector<double> times;
  for (int i = 0; i < loads; ++i) {
    const auto start = clock_type::now();
    const otp::code::load_result r = otp::code::load(modules / (i % 2 == 0 ? "upgrade_srv-1.so" : "upgrade_srv-2.so"));
    times.push_back(ms_since(start) * 1000.0);
    require(static_cast<bool>(r), r.message);
  }
  std::cout << "load_module\t" << median(times) << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 3;
  std::vector<std::size_t> sizes = {1, 1000, 10000, 100000};
  if (argc > 2) {
    sizes.clear();
    for (int i = 2; i < argc; ++i) sizes.push_back(static_cast<std::size_t>(std::atoll(argv[i])));
  }
  otp::runtime rt;
  rt.run([&] {
    bench_load(200);
    for (std::size_t n : sizes) bench_upgrade(n, repetitions);
  });
  return 0;
}
