// thread_wakeups — how often the runtime's own threads (named otp-*, as top -H shows them) woke
// up in this process, read from /proc/self/task: the measure of an idle node's cost.
// For tests only; not thread-safe (call from one thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace otp::test_support {

// Context switches (voluntary and not) of this process's otp-* threads so far.
inline std::uint64_t runtime_thread_switches() {
  std::uint64_t total = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (!std::getline(comm, name) || name.rfind("otp-", 0) != 0) continue;
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.find("ctxt_switches:") != std::string::npos) total += std::stoull(line.substr(line.find(':') + 1));
  }
  return total;
}

// The fewest switches the otp-* threads made in one `window`, looking window after window until
// one had at most `wanted` or `deadline` passed (a node settles after its last work).
inline std::uint64_t fewest_switches_in_a_window(std::chrono::milliseconds window, std::uint64_t wanted,
                                                 std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  std::uint64_t fewest = UINT64_MAX;
  do {
    const std::uint64_t before = runtime_thread_switches();
    std::this_thread::sleep_for(window);  // the measurement's window, not a synchronisation
    const std::uint64_t in_window = runtime_thread_switches() - before;
    if (in_window < fewest) fewest = in_window;
  } while (fewest > wanted && std::chrono::steady_clock::now() < end);
  return fewest;
}

}  // namespace otp::test_support
