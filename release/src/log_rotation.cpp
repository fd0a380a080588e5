// node.log's mode and its rotation by size (log_rotation.hpp).
#include "otp/log_rotation.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>
#include <thread>

namespace otp::release {

namespace fs = std::filesystem;

namespace {

// The longest the thread goes without looking at the size (inotify may be unavailable).
constexpr int check_every_ms = 1000;

void rotate(const fs::path& log, int keep) {
  std::error_code ignored;
  fs::remove(rotated_log(log, keep), ignored);
  for (int i = keep - 1; i >= 1; --i) fs::rename(rotated_log(log, i), rotated_log(log, i + 1), ignored);
  fs::rename(log, rotated_log(log, 1), ignored);
  reattach_log(log);
}

std::uint64_t size_of_stderr() {
  struct stat info {};
  return ::fstat(STDERR_FILENO, &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
}

[[noreturn]] void watch(const fs::path& log, log_rotation policy) {
  const int events = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (events >= 0) ::inotify_add_watch(events, log.parent_path().c_str(), IN_MODIFY);
  for (;;) {
    if (size_of_stderr() > policy.max_bytes) rotate(log, policy.keep);
    pollfd p{events, POLLIN, 0};
    if (::poll(&p, events >= 0 ? 1 : 0, check_every_ms) > 0) {
      char buffer[4096];
      while (::read(events, buffer, sizeof buffer) > 0) {
      }
    }
  }
}

}  // namespace

int open_log(const fs::path& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR);
  if (fd >= 0) ::fchmod(fd, S_IRUSR | S_IWUSR);  // the umask may have taken bits, or the file was older
  return fd;
}

void reattach_log(const fs::path& log) {
  const int fd = open_log(log);
  if (fd < 0) return;
  std::fflush(nullptr);
  ::dup2(fd, STDOUT_FILENO);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
}

fs::path rotated_log(const fs::path& log, int i) { return log.string() + "." + std::to_string(i); }

void start_log_rotation(const fs::path& log, log_rotation policy) {
  // The thread is created with every signal blocked, so that SIGTERM and SIGINT still reach the
  // node's own signal thread.
  sigset_t all, previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &previous);
  std::thread([log, policy] { watch(log, policy); }).detach();
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace otp::release
