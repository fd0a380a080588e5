// otp::release::log_rotation — node.log of a daemon node (heart.hpp): opened for its owner only, and rotated by size.
//
// The node process writes its stdout and stderr straight to ROOT/otpctl/node.log (so that its last
// lines get there even when its watchdog has died). A thread of the node process watches the file
// (inotify on its directory, and at least every second) and, once it holds more than
// `max_bytes`, renames node.log.(N-1) to node.log.N ... node.log to node.log.1, dropping what was
// node.log.N (N = `keep`), opens a new node.log and makes it the process's stdout and stderr. The
// watchdog, which writes a line now and then, opens node.log again before each line
// (reattach_log), so its lines follow the rotation too. A log may exceed max_bytes by what is
// written before the thread notices (one burst).
//
// Every file is created with mode 0600 whatever the umask; an existing node.log is set to 0600.
//
// Thread-safety: start_log_rotation once per node process (its thread blocks every signal);
// open_log and reattach_log from any thread.
#pragma once

#include <cstdint>
#include <filesystem>

namespace otp::release {

struct log_rotation {
  std::uint64_t max_bytes = 10 * 1024 * 1024;  // node.log rotates once larger
  int keep = 5;                                // node.log.1 ... node.log.<keep>
};

// `log` opened for appending, created 0600 (an existing file is set to 0600); -1 and errno on
// failure. Close-on-exec.
int open_log(const std::filesystem::path& log);

// Opens `log` again as this process's stdout and stderr (after a rotation renamed it). Keeps the
// current ones when it cannot.
void reattach_log(const std::filesystem::path& log);

// node.log.<i> for i >= 1.
std::filesystem::path rotated_log(const std::filesystem::path& log, int i);

// Starts the node process's rotation thread (above) for `log`, its stdout and stderr.
void start_log_rotation(const std::filesystem::path& log, log_rotation policy);

}  // namespace otp::release
