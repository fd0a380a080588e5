// Upgrading N live gen_servers of one module the way otp-cpp's release handler does: suspend all,
// load the new version (purge first), change_code each, resume all; the batch calls send every
// request before awaiting any reply. Then the same upgrade rolling (otp/rolling_upgrade.hpp): the
// new version current with the old one held, each server migrated by its own code_change (256
// requests in flight), the old code purged after the last. Prints one tab-separated line per case:
//   upgrade_<N>  <total ms>  <longest suspension ms>   (median of the repetitions)
//   rolling_<N>  <total ms>  <longest pause ms>  <most servers paused over 1 ms in one repetition>
//   load_module  <us>                                   (median of 200 loads, purge included)
// A process's suspension is bounded from above by the time from its suspend request leaving to
// its resume reply arriving; the longest suspension is the largest of these. A rolling server's
// pause is the time it spent on its code_change request, measured inside it: the only time it
// handled nothing else (while the request waited in its queue it went on serving).
//
// With --traffic, for each N and each mode, 64 client processes keep calling the servers before
// and during one upgrade: each client owns the servers i with i mod 64 = its number, casts `bump`
// to one and then calls {check, K} on it, K being the bumps it sent it, so a lost or reordered
// message makes the check answer false. Prints
//   traffic_<mode>_<N>  <p99 call us without upgrade>  <p99 call us during upgrade>  <calls>
//                       <failed calls>  <failed checks>  <upgrade total ms>  <longest pause ms>
//                       <slowest call us without upgrade>  <slowest call us during upgrade>
//                       <servers paused over 1 ms (rolling; 0 in OTP's order, where every pause is the whole upgrade)>
// (the baseline is the second before the upgrade; "during" counts calls that began while it ran).
// Usage: otp_code_upgrade_bench [--traffic] [repetitions] [N...]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <otp/code.hpp>
#include <otp/gen_server.hpp>
#include <otp/rolling_upgrade.hpp>
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
  std::size_t paused_over_1ms = 0;  // rolling: how many servers paused longer than 1 ms
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

// The same upgrade, rolling: each server pauses only for its own code_change.
upgrade_figures rolling_upgrade(const std::vector<term>& servers) {
  const auto start = clock_type::now();
  const otp::code::prepared_load prepared = otp::code::prepare_load(module, modules / "upgrade_srv-2.so");
  require(static_cast<bool>(prepared), prepared.result.message);
  const otp::code::load_result began = otp::code::begin_rolling(prepared.handle);
  require(static_cast<bool>(began), began.message);
  const otp::sys::rolling_batch b =
      otp::sys::rolling_change_code_all(servers, module, otp::binary("1"), term(), otp::infinity, 256);
  for (const term& r : b.results) require(r.is_atom(otp::atoms::ok), "rolling change_code failed: " + r.to_string());
  otp::code::finish_rolling(module);
  require(otp::code::soft_purge(module), "old code still in use after the last server left it");
  const double total = ms_since(start);
  double longest = 0;
  std::size_t over = 0;
  for (const auto& pause : b.pauses) {
    const double ms = std::chrono::duration<double, std::milli>(pause).count();
    longest = std::max(longest, ms);
    over += ms > 1.0 ? 1 : 0;
  }
  return {total, longest, over};
}

std::vector<term> start_servers(std::size_t n) {
  require(static_cast<bool>(otp::code::load(modules / "upgrade_srv-1.so")), "cannot load version 1");
  std::vector<term> servers;
  servers.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const term started = otp::code::start_server(module, term());
    require(started.is_tuple(2), "cannot start a server: " + started.to_string());
    servers.push_back(started[1]);
  }
  return servers;
}

void stop_servers(const std::vector<term>& servers) {
  for (const term& pid : servers) otp::exit(pid, otp::atoms::kill);
  for (const term& pid : servers)
    while (otp::is_process_alive(pid)) otp::receive_for(otp::milliseconds(1));
}

void bench_upgrade(std::size_t n, int repetitions, bool rolling) {
  std::vector<double> totals, longest;
  std::size_t over = 0;
  for (int r = 0; r < repetitions; ++r) {
    const std::vector<term> servers = start_servers(n);
    const upgrade_figures f = rolling ? rolling_upgrade(servers) : upgrade(servers);
    totals.push_back(f.total_ms);
    longest.push_back(f.longest_suspension_ms);
    over = std::max(over, f.paused_over_1ms);
    stop_servers(servers);
  }
  std::cout << (rolling ? "rolling_" : "upgrade_") << n << "\t" << median(totals) << "\t" << median(longest);
  if (rolling) std::cout << "\t" << over;
  std::cout << std::endl;
}

// --- under traffic ---------------------------------------------------------------------------------

constexpr std::size_t clients = 64;

struct client_record {
  std::vector<std::pair<clock_type::time_point, double>> calls;  // start, latency in us
  std::size_t failed_calls = 0;
  std::size_t failed_checks = 0;
};

// The p99 and the largest latency (us) of the calls that began in [from, to).
std::pair<double, double> latency_us(const std::vector<client_record>& records, clock_type::time_point from,
                                     clock_type::time_point to) {
  std::vector<double> latencies;
  for (const auto& r : records)
    for (const auto& [at, us] : r.calls)
      if (at >= from && at < to) latencies.push_back(us);
  if (latencies.empty()) return {0, 0};
  std::sort(latencies.begin(), latencies.end());
  return {latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)], latencies.back()};
}

void bench_traffic(std::size_t n, bool rolling) {
  const std::vector<term> servers = start_servers(n);
  auto records = std::make_shared<std::vector<client_record>>(clients);
  auto stop = std::make_shared<std::atomic<bool>>(false);
  const term me = otp::self();
  for (std::size_t c = 0; c < clients; ++c)
    otp::spawn([&servers, records, stop, me, c, n] {
      client_record& mine = (*records)[c];
      if (c >= n) {  // fewer servers than clients: this one has none
        otp::send(me, otp::atom("client_done"));
        return;
      }
      std::vector<std::int64_t> sent((n + clients - 1) / clients, 0);
      std::size_t k = 0;
      while (!stop->load(std::memory_order_relaxed)) {
        const std::size_t index = c + k * clients;
        if (index >= n) {
          k = 0;
          continue;
        }
        const term& pid = servers[index];
        otp::gen_server::cast(pid, otp::atom("bump"));
        ++sent[k];
        const auto start = clock_type::now();
        try {
          const term ok = otp::gen_server::call(pid, otp::tuple(otp::atom("check"), sent[k]), otp::milliseconds(10000));
          if (!ok.is_atom(otp::atoms::true_)) ++mine.failed_checks;
        } catch (const std::exception&) {
          ++mine.failed_calls;
        }
        mine.calls.emplace_back(start, std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
        ++k;
      }
      otp::send(me, otp::atom("client_done"));
    });
  const auto baseline_start = clock_type::now();
  otp::receive_for(otp::milliseconds(1000));
  const auto upgrade_start = clock_type::now();
  const upgrade_figures f = rolling ? rolling_upgrade(servers) : upgrade(servers);
  const auto upgrade_end = clock_type::now();
  otp::receive_for(otp::milliseconds(200));
  stop->store(true);
  for (std::size_t c = 0; c < clients; ++c)
    otp::receive([](const term& m) { return m.is_atom(otp::atom("client_done")); });
  std::size_t calls = 0, failed_calls = 0, failed_checks = 0;
  for (const auto& r : *records) {
    calls += r.calls.size();
    failed_calls += r.failed_calls;
    failed_checks += r.failed_checks;
  }
  const auto idle = latency_us(*records, baseline_start, upgrade_start);
  const auto during = latency_us(*records, upgrade_start, upgrade_end);
  std::cout << "traffic_" << (rolling ? "rolling_" : "upgrade_") << n << "\t" << idle.first << "\t" << during.first
            << "\t" << calls << "\t" << failed_calls << "\t" << failed_checks << "\t" << f.total_ms << "\t"
            << f.longest_suspension_ms << "\t" << idle.second << "\t" << during.second << "\t" << f.paused_over_1ms
            << std::endl;
  stop_servers(servers);
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
  int first = 1;
  const bool traffic = argc > 1 && std::strcmp(argv[1], "--traffic") == 0;
  if (traffic) ++first;
  const int repetitions = argc > first ? std::atoi(argv[first]) : 3;
  std::vector<std::size_t> sizes = {1, 1000, 10000, 100000};
  if (argc > first + 1) {
    sizes.clear();
    for (int i = first + 1; i < argc; ++i) sizes.push_back(static_cast<std::size_t>(std::atoll(argv[i])));
  }
  otp::runtime rt;
  rt.run([&] {
    if (traffic) {
      for (std::size_t n : sizes)
        for (bool rolling : {false, true}) bench_traffic(n, rolling);
      return;
    }
    bench_load(200);
    for (std::size_t n : sizes) {
      bench_upgrade(n, repetitions, false);
      bench_upgrade(n, repetitions, true);
    }
  });
  return 0;
}
