// The launcher, the watchdog and the node process of a daemon node (see heart.hpp).
//
// Three pipes of lines tie them together:
//   watchdog -> launcher  "watchdog <pid>", then "ready <node> <os pid> <release> <vsn>" or
//                         "error <message>" (the first boot's outcome), then closed;
//   node -> watchdog      "ready <node> <release> <vsn>" from on_ready, "error <message>" from
//                         on_error (one pipe per boot).
// The watchdog waits for its events (signals through a signalfd, the node's pipe, its deadlines)
// with poll, so a signal never interrupts it half-way through a step.
#include "otp/heart.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/release_history.hpp"

namespace otp::release::heart {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

daemon_files::daemon_files(const fs::path& root)
    : dir(root / "otpctl"), node_pid(dir / "node.pid"), watchdog_pid(dir / "watchdog.pid"), log(dir / "node.log") {}

namespace {

// A node that died this many boots in a row before it was up is not booted again.
constexpr int max_failed_boots = 5;
// The first retry of a boot that failed waits this long; each further one twice as long.
constexpr milliseconds first_retry_delay{500};
// How long a node told to stop may take before it is killed.
constexpr milliseconds stop_grace{60000};

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the reader is gone: nobody to tell
    done += static_cast<std::size_t>(n);
  }
}

// A message as one protocol line: newlines become spaces.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

std::string errno_text(int error) { return std::system_category().message(error); }

std::optional<pid_t> read_pid_file(const fs::path& file) {
  std::ifstream in(file);
  long pid = 0;
  if (in >> pid && pid > 0) return static_cast<pid_t>(pid);
  return std::nullopt;
}

// Written to a temporary file (mode 0600 whatever the umask), then renamed: a reader sees the old
// pid or the new one, whole.
void write_pid_file(const fs::path& file, pid_t pid) {
  const fs::path temporary = file.string() + ".tmp";
  std::error_code ignored;
  fs::remove(temporary, ignored);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) return;
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  write_all(fd, std::to_string(pid) + "\n");
  ::close(fd);
  fs::rename(temporary, file, ignored);
}

// The "(name) state" part of /proc/PID/stat ("" when there is no such process).
std::string name_and_state(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto name_start = line.find(" (");
  const auto name_end = line.rfind(") ");
  if (name_start == std::string::npos || name_end == std::string::npos || name_end + 2 >= line.size()) return "";
  return line.substr(name_start + 1, name_end + 3 - (name_start + 1));
}

// Whether `pid` is a live watchdog: a process of this program (the watchdog is a fork of the
// launcher, so it bears the same name), not a zombie, and not another program that got the pid of
// a watchdog killed without removing its pid file.
bool is_live_watchdog(pid_t pid) {
  const std::string theirs = name_and_state(std::to_string(pid));
  const std::string ours = name_and_state("self");
  return !theirs.empty() && theirs.back() != 'Z' &&
         theirs.substr(0, theirs.size() - 1) == ours.substr(0, ours.size() - 1);
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(status));
    return "was killed by signal " + std::to_string(WTERMSIG(status)) +
           (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : std::string());
  }
  return "ended";
}

// A line of the watchdog's in node.log: the file is opened again first, in case the node rotated
// it.
void log_line(const fs::path& log, otp::log::level level, const std::string& text) {
  reattach_log(log);
  otp::log::write(level, "otpctl watchdog: " + text);
}

// The node process: run_node, reporting its readiness or its error on `report_fd`.
[[noreturn]] void become_node(otp::release::node_config config, int report_fd, pid_t watchdog,
                              const daemon_files& files, log_rotation rotation) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != watchdog) ::_exit(1);  // the watchdog died before the line above
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  reattach_log(files.log);
  start_log_rotation(files.log, rotation);
  config.on_ready = [report_fd](const std::string& release, const std::string& vsn) {
    write_all(report_fd, "ready " + std::string(otp::node::name().text()) + " " + release + " " + vsn + "\n");
  };
  config.on_error = [report_fd](const std::string& message) {
    write_all(report_fd, "error " + one_line(message) + "\n");
  };
  const int code = otp::release::run_node(config);
  std::fflush(nullptr);
  ::_exit(code);
}

class watchdog {
 public:
  watchdog(otp::release::node_config config, daemon_files files, log_rotation rotation, int launcher_fd,
           restart_limit limit)
      : config_(std::move(config)),
        files_(std::move(files)),
        rotation_(rotation),
        launcher_fd_(launcher_fd),
        self_(::getpid()),
        limit_(limit) {}

  [[noreturn]] void run() {
    sigset_t watched;
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD);
    sigaddset(&watched, SIGTERM);
    sigaddset(&watched, SIGINT);
    ::sigprocmask(SIG_BLOCK, &watched, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    signal_fd_ = ::signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) fail_first_boot("the watchdog cannot watch signals: " + errno_text(errno));
    write_pid_file(files_.watchdog_pid, self_);
    tell_launcher("watchdog " + std::to_string(self_));
    log_line(files_.log, otp::log::level::notice,
             "started (os pid " + std::to_string(self_) + "), booting node " + config_.node.name + " from " +
                 config_.root.string());
    boot();
    for (;;) wait_and_handle();
  }

 private:
  void boot() {
    reboot_at_.reset();
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
      node_failed_to_boot("cannot create a pipe: " + errno_text(errno));
      return;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(report[0]);
      ::close(signal_fd_);
      if (launcher_fd_ >= 0) ::close(launcher_fd_);
      if (report_fd_ >= 0) ::close(report_fd_);  // the previous boot's
      become_node(config_, report[1], self_, files_, rotation_);
    }
    ::close(report[1]);
    if (pid < 0) {
      ::close(report[0]);
      node_failed_to_boot("cannot fork the node process: " + errno_text(errno));
      return;
    }
    close_report();
    report_fd_ = report[0];
    ::fcntl(report_fd_, F_SETFL, O_NONBLOCK);
    node_pid_ = pid;
    node_up_ = false;
    node_error_.clear();
    write_pid_file(files_.node_pid, pid);
  }

  void wait_and_handle() {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {report_fd_, POLLIN, 0}};
    const int timeout = poll_timeout();
    if (::poll(fds, 2, timeout) < 0 && errno != EINTR) finish(1, "poll failed: " + errno_text(errno));
    if (fds[1].revents != 0) read_reports();
    if (fds[0].revents != 0) read_signals();
    const auto now = clock::now();
    if (kill_at_ && now >= *kill_at_ && node_pid_ > 0) {
      log_line(files_.log, otp::log::level::error,
               "the node did not stop within " + std::to_string(stop_grace.count() / 1000) + " s; killing it");
      ::kill(node_pid_, SIGKILL);
      kill_at_.reset();
    }
    if (reboot_at_ && now >= *reboot_at_) boot();
  }

  int poll_timeout() const {
    std::optional<clock::time_point> next;
    for (const auto& at : {kill_at_, reboot_at_})
      if (at && (!next || *at < *next)) next = at;
    if (!next) return -1;
    const auto left = std::chrono::duration_cast<milliseconds>(*next - clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left + 1, 0, 60000));
  }

  void read_signals() {
    signalfd_siginfo info{};
    while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo == SIGCHLD) {
        reap_children();
      } else if (!stopping_) {
        stopping_ = true;
        const char* abbrev = sigabbrev_np(static_cast<int>(info.ssi_signo));
        const std::string name = abbrev != nullptr ? std::string("SIG") + abbrev : "a signal";
        if (node_pid_ <= 0) finish(0, name + ": no node process runs; ending");
        log_line(files_.log, otp::log::level::notice,
                 name + ": stopping the node (os pid " + std::to_string(node_pid_) + ")");
        ::kill(node_pid_, SIGTERM);
        kill_at_ = clock::now() + stop_grace;
      }
    }
  }

  void reap_children() {
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      if (pid == node_pid_) node_exited(status);
    }
  }

  // Lines from the node process; the pipe is closed once they are handled after EOF.
  void read_reports() {
    if (report_fd_ < 0) return;
    char chunk[1024];
    bool ended = false;
    for (;;) {
      const ssize_t n = ::read(report_fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;  // EAGAIN: all read for now
      if (n == 0) {
        ended = true;
        break;
      }
      report_buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    for (auto end = report_buffer_.find('\n'); end != std::string::npos; end = report_buffer_.find('\n')) {
      const std::string line = report_buffer_.substr(0, end);
      report_buffer_.erase(0, end + 1);
      if (line.starts_with("ready ")) node_is_up(line.substr(6));
      if (line.starts_with("error ")) node_error_ = line.substr(6);
    }
    if (ended) close_report();
  }

  // `what` = "<node> <release> <vsn>".
  void node_is_up(const std::string& what) {
    node_up_ = true;
    failed_boots_ = 0;
    std::istringstream words(what);
    std::string node, release, vsn;
    words >> node >> release >> vsn;
    if (!first_boot_done_) {
      first_boot_done_ = true;
      tell_launcher("ready " + node + " " + std::to_string(node_pid_) + " " + release + " " + vsn);
      close_launcher();
    } else {
      log_line(files_.log, otp::log::level::notice,
               "node " + node + " is up again (os pid " + std::to_string(node_pid_) + "), running release " + release +
                   " " + vsn);
    }
  }

  void node_exited(int status) {
    read_reports();  // what it said before it died
    const pid_t pid = node_pid_;
    node_pid_ = -1;
    kill_at_.reset();
    const bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    const std::string what = "the node process (os pid " + std::to_string(pid) + ") " + describe_exit(status);
    if (stopping_ || clean) finish(0, what + "; the node stopped, the watchdog ends");
    if (!first_boot_done_)
      fail_first_boot(node_error_.empty() ? what + " before it was up; see " + files_.log.string() : node_error_);
    if (node_up_) {
      give_up_if_restarting_too_often(what);
      log_line(files_.log, otp::log::level::error, what + "; booting the permanent release again");
      boot();
      return;
    }
    node_failed_to_boot(what + " while booting" + (node_error_.empty() ? "" : ": " + node_error_));
  }

  // Counts a boot after a node that was up died; more than limit_.max_restarts of them within
  // limit_.period ends the watchdog, with a history row.
  void give_up_if_restarting_too_often(const std::string& what) {
    const auto now = clock::now();
    restarts_.push_back(now);
    while (!restarts_.empty() && now - restarts_.front() > limit_.period) restarts_.pop_front();
    if (static_cast<int>(restarts_.size()) <= limit_.max_restarts) return;
    const std::string why = "the node exited " + std::to_string(restarts_.size()) + " times within " +
                            std::to_string(limit_.period.count()) + " s (--max-restarts " +
                            std::to_string(limit_.max_restarts) + " --restart-period " +
                            std::to_string(limit_.period.count()) + "s)";
    try {
      otp::release::release_history(config_.root / "releases" / "history.sqlite").record_watchdog_gave_up(why);
    } catch (const std::exception& e) {
      log_line(files_.log, otp::log::level::error, std::string("cannot record it in the release history: ") + e.what());
    }
    finish(1, what + "; " + why + "; the watchdog gives up");
  }

  // A reboot that did not come up: try again later, or give up.
  void node_failed_to_boot(const std::string& what) {
    if (!first_boot_done_) fail_first_boot(what);
    ++failed_boots_;
    if (failed_boots_ >= max_failed_boots)
      finish(1, what + "; " + std::to_string(failed_boots_) + " boots in a row failed, the watchdog gives up");
    const milliseconds delay = first_retry_delay * (1 << (failed_boots_ - 1));
    log_line(files_.log, otp::log::level::error, what + "; booting again in " + std::to_string(delay.count()) + " ms");
    reboot_at_ = clock::now() + delay;
  }

  [[noreturn]] void fail_first_boot(const std::string& message) {
    tell_launcher("error " + one_line(message));
    finish(1, message);
  }

  [[noreturn]] void finish(int code, const std::string& why) {
    log_line(files_.log, code == 0 ? otp::log::level::notice : otp::log::level::critical, why);
    std::error_code ignored;
    fs::remove(files_.node_pid, ignored);
    fs::remove(files_.watchdog_pid, ignored);
    std::fflush(nullptr);
    ::_exit(code);
  }

  void tell_launcher(const std::string& line) {
    if (launcher_fd_ >= 0) write_all(launcher_fd_, line + "\n");
  }
  void close_launcher() {
    if (launcher_fd_ >= 0) ::close(launcher_fd_);
    launcher_fd_ = -1;
  }
  void close_report() {
    if (report_fd_ >= 0) ::close(report_fd_);
    report_fd_ = -1;
    report_buffer_.clear();
  }

  otp::release::node_config config_;
  daemon_files files_;
  log_rotation rotation_;
  int launcher_fd_;
  const pid_t self_;
  const restart_limit limit_;
  std::deque<clock::time_point> restarts_;  // boots after a node that was up died, within limit_.period
  int signal_fd_ = -1;
  pid_t node_pid_ = -1;
  int report_fd_ = -1;
  std::string report_buffer_;
  bool node_up_ = false;          // this boot reported ready
  bool first_boot_done_ = false;  // the launcher has its answer
  std::string node_error_;        // this boot's on_error message
  int failed_boots_ = 0;          // boots in a row that died before they were up
  bool stopping_ = false;         // told to stop: the node's end is the watchdog's end
  std::optional<clock::time_point> kill_at_;
  std::optional<clock::time_point> reboot_at_;
};

// `fd` moved to a number of 10 or more (close-on-exec), so that the watchdog can lay out fds 0-3
// without overwriting it; -1 stays -1.
int above_stdio(int fd) {
  if (fd < 0) return fd;
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  ::close(fd);
  return high;
}

// In the first child: a new session, then the watchdog as its child (no terminal can be acquired
// by a process that is not a session leader). The first child exits at once.
[[noreturn]] void detach(const otp::release::node_config& config, const daemon_files& files, log_rotation rotation,
                         int launcher_fd, int log_fd, restart_limit limit) {
  ::setsid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    write_all(launcher_fd, "error cannot fork the watchdog: " + errno_text(errno) + "\n");
    ::_exit(1);
  }
  if (pid > 0) ::_exit(0);
  // The watchdog: stdin from /dev/null, stdout and stderr to the log, the launcher's pipe as fd 3,
  // nothing else inherited (a caller waiting for EOF on a pipe it gave us must not wait for us).
  // `log_fd` and `launcher_fd` are 10 or more (above_stdio).
  const int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  ::dup2(launcher_fd, 3);
  ::close_range(4, ~0u, 0);
  ::fcntl(3, F_SETFD, FD_CLOEXEC);
  if (::chdir("/") != 0) {
    write_all(3, "error cannot change to /: " + errno_text(errno) + "\n");
    ::_exit(1);
  }
  watchdog(config, files, rotation, 3, limit).run();
}

// The launcher's side of the pipe: lines until the node is up, or until EOF after an error (the
// watchdog has then ended), or the deadline.
started_node await_node(int fd, const daemon_files& files, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  std::string buffer;
  started_node node;
  std::optional<std::string> error;  // reported; thrown once the watchdog has gone (EOF)
  auto stop_watchdog = [&] {
    if (node.watchdog_pid > 0) ::kill(node.watchdog_pid, SIGTERM);
  };
  for (;;) {
    for (auto end = buffer.find('\n'); end != std::string::npos; end = buffer.find('\n')) {
      const std::string line = buffer.substr(0, end);
      buffer.erase(0, end + 1);
      if (line.starts_with("watchdog ")) node.watchdog_pid = static_cast<pid_t>(std::stol(line.substr(9)));
      if (line.starts_with("error ")) error = line.substr(6);
      if (line.starts_with("ready ")) {
        std::istringstream words(line.substr(6));
        long pid = 0;
        words >> node.node >> pid >> node.release >> node.vsn;
        node.node_pid = static_cast<pid_t>(pid);
        return node;
      }
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now()).count();
    if (left <= 0) {
      stop_watchdog();
      if (error) throw launch_error(*error);
      throw launch_error("the node was not up within " + std::to_string(timeout.count()) + " ms; it was stopped. See " +
                         files.log.string());
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char chunk[1024];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw launch_error(error.value_or("the watchdog ended before the node was up; see " + files.log.string()));
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace

started_node launch(const otp::release::node_config& config, std::chrono::milliseconds timeout, log_rotation rotation,
                    restart_limit limit) {
  const daemon_files files(config.root);
  if (const auto running = read_pid_file(files.watchdog_pid); running && is_live_watchdog(*running))
    throw launch_error("a node already runs from " + config.root.string() + " (watchdog os pid " +
                       std::to_string(*running) + "); stop it first");
  std::error_code error;
  fs::create_directories(files.dir, error);
  if (error) throw launch_error("cannot create " + files.dir.string() + ": " + error.message());
  const int log_fd = above_stdio(open_log(files.log));
  if (log_fd < 0) throw launch_error("cannot open " + files.log.string() + ": " + errno_text(errno));
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw launch_error("cannot create a pipe: " + errno_text(errno));
  }
  pipe_fds[1] = above_stdio(pipe_fds[1]);
  if (pipe_fds[1] < 0) {
    ::close(pipe_fds[0]);
    ::close(log_fd);
    throw launch_error("cannot create a pipe: " + errno_text(errno));
  }
  std::fflush(nullptr);
  const pid_t first = ::fork();
  if (first == 0) {
    ::close(pipe_fds[0]);
    detach(config, files, rotation, pipe_fds[1], log_fd, limit);
  }
  ::close(pipe_fds[1]);
  ::close(log_fd);
  if (first < 0) {
    ::close(pipe_fds[0]);
    throw launch_error("cannot fork: " + errno_text(errno));
  }
  int status = 0;
  while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
  }
  try {
    started_node node = await_node(pipe_fds[0], files, timeout);
    ::close(pipe_fds[0]);
    return node;
  } catch (...) {
    ::close(pipe_fds[0]);
    throw;
  }
}

}  // namespace otp::release::heart
