// OS-process children: the proxy process, the service thread that owns every OS process, and the
// launch (see os_process.hpp for the contract).
//
// Threads: the proxy runs on scheduler threads and only ever posts work to the service's
// io_context. Everything that touches an Asio object or a Boost.Process object — launch, reading
// the pipes, the pidfd wait, signalling, reaping, destroying — runs on the service thread. That
// keeps Asio's reactor single-threaded, which matters for fork(): the child re-creates the reactor
// (Asio's fork_child notification) and would deadlock on a reactor lock some other thread held.
#include "otp/os_process.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process/v2/default_launcher.hpp>
#include <boost/process/v2/process.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "otp/atom.hpp"
#include "otp/detail/side_table.hpp"
#include "otp/log.hpp"
#include "otp/process.hpp"

extern "C" char** environ;  // NOLINT: POSIX

namespace otp::os_process {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using error_code = boost::system::error_code;
using executor = asio::io_context::executor_type;

constexpr std::size_t max_line = 64 * 1024;
constexpr std::chrono::seconds output_grace{1};

// --- which OS pid a proxy stands for --------------------------------------------------------

using pid_registry = otp::detail::side_table<term, int, term_hash>;

pid_registry& registry() {
  static pid_registry r;  // constructed before the service (see service()), so destroyed after it
  return r;
}

void register_os_pid(const term& proxy, int pid) { registry().put(proxy, pid); }

void unregister_os_pid(const term& proxy) { registry().erase(proxy); }

// --- the service thread ---------------------------------------------------------------------

class service {
 public:
  service() : work_(asio::make_work_guard(io_)), thread_([this] { run(); }) {}
  ~service() {
    work_.reset();
    io_.stop();
    thread_.join();
    // Handlers still queued are destroyed with io_: the children they hold are killed and reaped
    // by ~basic_process.
  }
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  asio::io_context& io() noexcept { return io_; }

 private:
  void run() {
    // Asynchronous signals (SIGINT, SIGTERM, ...) are for the host's own threads, not this one.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    pthread_setname_np(pthread_self(), "otp_os_process");
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        log::write(log::level::error, std::string("os_process service: ") + e.what());
      }
    }
  }

  asio::io_context io_{1};
  asio::executor_work_guard<executor> work_;
  std::thread thread_;
};

service& the_service() {
  registry();
  static service s;
  return s;
}

// --- exit reasons -----------------------------------------------------------------------------

term signal_name(int sig) {
  static constexpr std::array<std::pair<int, std::string_view>, 31> names{{
      {SIGHUP, "sighup"},   {SIGINT, "sigint"},       {SIGQUIT, "sigquit"}, {SIGILL, "sigill"},
      {SIGTRAP, "sigtrap"}, {SIGABRT, "sigabrt"},     {SIGBUS, "sigbus"},   {SIGFPE, "sigfpe"},
      {SIGKILL, "sigkill"}, {SIGUSR1, "sigusr1"},     {SIGSEGV, "sigsegv"}, {SIGUSR2, "sigusr2"},
      {SIGPIPE, "sigpipe"}, {SIGALRM, "sigalrm"},     {SIGTERM, "sigterm"}, {SIGSTKFLT, "sigstkflt"},
      {SIGCHLD, "sigchld"}, {SIGCONT, "sigcont"},     {SIGSTOP, "sigstop"}, {SIGTSTP, "sigtstp"},
      {SIGTTIN, "sigttin"}, {SIGTTOU, "sigttou"},     {SIGURG, "sigurg"},   {SIGXCPU, "sigxcpu"},
      {SIGXFSZ, "sigxfsz"}, {SIGVTALRM, "sigvtalrm"}, {SIGPROF, "sigprof"}, {SIGWINCH, "sigwinch"},
      {SIGIO, "sigio"},     {SIGPWR, "sigpwr"},       {SIGSYS, "sigsys"},
  }};
  for (const auto& [number, name] : names)
    if (number == sig) return atom(name);
  return term(sig);
}

// --- one OS process ---------------------------------------------------------------------------

struct output_stream {
  output_stream(asio::io_context& io, log::level l) : pipe(io), level(l) {}
  asio::readable_pipe pipe;
  log::level level;
  std::string pending;  // the start of a line whose newline has not come yet
  std::array<char, 4096> chunk{};
  bool open = false;
};

// The Asio side of a child: created, used and destroyed on the service thread only.
struct io_parts {
  explicit io_parts(asio::io_context& io) : out(io, log::level::info), err(io, log::level::notice), grace(io) {}
  std::optional<bp::basic_process<executor>> process;
  output_stream out;
  output_stream err;
  asio::steady_timer grace;  // bounds the wait for end of file once the process ended
  std::optional<term> exit_reason;
  bool finished = false;
};

struct child {
  child(spec sp, term proxy_pid, term tag) : s(std::move(sp)), proxy(std::move(proxy_pid)), ref(std::move(tag)) {
    prefix = "[" + s.id.to_string() + "] ";
  }

  // Sends to the proxy unless it is gone. Holding the lock across the send means the proxy's
  // destructor (which takes it) cannot complete — and so the runtime cannot go away — mid-send.
  void tell(term message) {
    const std::lock_guard lock(mutex);
    if (!proxy_alive) return;
    try {
      otp::send(proxy, std::move(message));
    } catch (...) {
    }
  }

  const spec s;
  const term proxy;
  const term ref;  // tags the messages to the proxy
  std::string prefix;

  std::mutex mutex;
  bool proxy_alive = true;  // guarded by mutex

  std::unique_ptr<io_parts> parts;  // service thread only
};

using child_ptr = std::shared_ptr<child>;

void write_line(const child& c, log::level level, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!log::enabled(level)) return;
  std::string text;
  text.reserve(c.prefix.size() + line.size());
  text.append(c.prefix).append(line);
  log::write(level, text);
}

void consume(const child& c, output_stream& st, std::size_t n) {
  std::string_view data(st.chunk.data(), n);
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      st.pending.append(data);
      while (st.pending.size() >= max_line) {
        write_line(c, st.level, std::string_view(st.pending).substr(0, max_line));
        st.pending.erase(0, max_line);
      }
      return;
    }
    if (st.pending.empty()) {
      write_line(c, st.level, data.substr(0, nl));
    } else {
      st.pending.append(data.substr(0, nl));
      write_line(c, st.level, st.pending);
      st.pending.clear();
    }
    data.remove_prefix(nl + 1);
  }
}

void finish_if_done(const child_ptr& c) {
  io_parts& p = *c->parts;
  if (p.finished || !p.exit_reason || p.out.open || p.err.open) return;
  p.finished = true;
  p.grace.cancel();
  c->tell(tuple(c->ref, atom("exited"), *p.exit_reason));
  // Destroy the Asio objects once the handlers running now have returned.
  asio::post(the_service().io(), [c] { c->parts.reset(); });
}

void read_more(const child_ptr& c, output_stream& st) {
  st.pipe.async_read_some(asio::buffer(st.chunk), [c, &st](const error_code& ec, std::size_t n) {
    if (n > 0) consume(*c, st, n);
    if (!ec) {
      read_more(c, st);
      return;
    }
    if (!st.pending.empty()) write_line(*c, st.level, st.pending);
    st.pending.clear();
    st.open = false;
    error_code ignored;
    st.pipe.close(ignored);
    finish_if_done(c);
  });
}

void on_exit(const child_ptr& c, const error_code& ec) {
  io_parts& p = *c->parts;
  if (ec) {
    p.exit_reason = tuple(atom("wait_failed"), binary(ec.message()));
  } else {
    p.exit_reason = exit_reason_of_wait_status(p.process->native_exit_code());
  }
  // Reaped: forget the pid so that nothing signals it again (it may be reused).
  p.process->detach();
  p.process.reset();
  unregister_os_pid(c->proxy);
  if (p.out.open || p.err.open) {
    p.grace.expires_after(output_grace);
    p.grace.async_wait([c](const error_code& timer_ec) {
      if (timer_ec || !c->parts || c->parts->finished) return;
      error_code ignored;
      c->parts->out.pipe.cancel(ignored);
      c->parts->err.pipe.cancel(ignored);
    });
  }
  finish_if_done(c);
}

// --- launching --------------------------------------------------------------------------------

struct fd_guard {
  int fd = -1;
  fd_guard() = default;
  explicit fd_guard(int f) : fd(f) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int release() { return std::exchange(fd, -1); }
};

struct pipe_pair {
  fd_guard read;
  fd_guard write;
  error_code open() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return {errno, boost::system::system_category()};
    read.fd = p[0];
    write.fd = p[1];
    return {};
  }
};

// Boost.Process initializer: the environment (in the parent), then in the child between fork and
// exec (async-signal-safe calls only): stdio, signal mask and dispositions, working directory.
struct child_setup {
  const char* const* env = nullptr;
  int in = -1;
  int out = -1;
  int err = -1;
  const char* working_directory = nullptr;  // nullptr: inherit
  int stage_fd = -1;                        // the child writes 'd' here when chdir failed

  error_code on_setup(bp::posix::default_launcher& launcher, const bp::filesystem::path&, const char* const*) {
    launcher.env = env;
    return {};
  }

  error_code on_exec_setup(bp::posix::default_launcher&, const bp::filesystem::path&, const char* const*) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig)
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    if (::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0)
      return {errno, boost::system::system_category()};
    // No descriptor of the host reaches the program (Boost 1.81's close_all skips a range, and
    // a descriptor opened without O_CLOEXEC elsewhere in the host would leak): mark every one
    // above stderr close-on-exec; the launcher's and our error pipes must stay open until exec.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (working_directory != nullptr && ::chdir(working_directory) != 0) {
      const int e = errno;
      const char stage = 'd';
      [[maybe_unused]] const auto written = ::write(stage_fd, &stage, 1);
      errno = e;
      return {e, boost::system::system_category()};
    }
    return {};
  }

  // The launcher ends a child whose exec failed with exit(), which would run the host's atexit
  // handlers and static destructors in the child; end it here first. (Boost 1.81 detects this
  // hook with five arguments and calls it with four, hence the variadic form.)
  template <class... Args>
  void on_exec_error(Args&&...) {
    ::_exit(127);
  }
};

std::string cause(int e) { return std::error_code(e, std::generic_category()).message(); }

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The path to exec, or the failure text.
std::optional<std::string> resolve_executable(const spec& s, std::string& failure) {
  const std::string& exe = s.executable;
  if (exe.empty()) {
    failure = "(empty executable name): " + cause(ENOENT);
    return std::nullopt;
  }
  if (exe.find('/') != std::string::npos) {
    if (exe.front() == '/') return exe;
    std::array<char, 4096> cwd{};
    if (::getcwd(cwd.data(), cwd.size()) == nullptr) return exe;
    return std::string(cwd.data()) + "/" + exe;
  }
  std::string path;
  if (const auto it = s.environment.find("PATH"); it != s.environment.end()) {
    path = it->second;
  } else if (const char* inherited = std::getenv("PATH"); inherited != nullptr) {
    path = inherited;
  } else {
    path = "/usr/local/bin:/usr/bin:/bin";
  }
  std::optional<std::string> not_executable;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + exe;
    if (is_executable_file(candidate)) return candidate;
    if (!not_executable && ::access(candidate.c_str(), F_OK) == 0) not_executable = candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  failure = not_executable ? *not_executable + ": " + cause(EACCES) : exe + ": " + cause(ENOENT);
  return std::nullopt;
}

std::vector<std::string> child_environment(const spec& s) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    merged.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  for (const auto& [key, value] : s.environment) merged[key] = value;
  std::vector<std::string> result;
  result.reserve(merged.size());
  for (const auto& [key, value] : merged) result.push_back(key + "=" + value);
  return result;
}

// On the service thread. Tells the proxy {Ref, launched, OsPid} or {Ref, launch_failed, Reason}.
void launch(const child_ptr& c) {
  {
    const std::lock_guard lock(c->mutex);
    if (!c->proxy_alive) return;
  }
  auto failed = [&](const std::string& text) {
    c->tell(tuple(c->ref, atom("launch_failed"), tuple(atom("spawn_failed"), binary(text))));
  };
  std::string failure;
  const std::optional<std::string> executable = resolve_executable(c->s, failure);
  if (!executable) return failed(failure);

  pipe_pair out;
  pipe_pair err;
  pipe_pair stage;
  error_code ec = out.open();
  if (!ec) ec = err.open();
  if (!ec) ec = stage.open();
  const fd_guard dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!ec && dev_null.fd < 0) ec = error_code(errno, boost::system::system_category());
  if (ec) return failed("pipe: " + ec.message());

  const std::vector<std::string> env_strings = child_environment(c->s);
  std::vector<const char*> env;
  env.reserve(env_strings.size() + 1);
  for (const std::string& e : env_strings) env.push_back(e.c_str());
  env.push_back(nullptr);

  child_setup setup;
  setup.env = env.data();
  setup.in = dev_null.fd;
  setup.out = out.write.fd;
  setup.err = err.write.fd;
  setup.working_directory = c->s.working_directory.empty() ? nullptr : c->s.working_directory.c_str();
  setup.stage_fd = stage.write.fd;

  auto parts = std::make_unique<io_parts>(the_service().io());
  bp::posix::default_launcher launcher;
  auto process =
      launcher(the_service().io().get_executor(), ec, bp::filesystem::path(*executable), c->s.arguments, setup);
  out.write.reset();
  err.write.reset();
  stage.write.reset();
  if (ec) {
    // The failed child wrote its errno and is ending (or never existed): reap it.
    if (launcher.pid > 0) ::waitpid(launcher.pid, nullptr, 0);
    char stage_byte = 0;
    if (::read(stage.read.fd, &stage_byte, 1) == 1 && stage_byte == 'd')
      return failed("working directory " + c->s.working_directory + ": " + ec.message());
    return failed(*executable + ": " + ec.message());
  }

  parts->out.pipe.assign(out.read.release());
  parts->err.pipe.assign(err.read.release());
  parts->out.open = true;
  parts->err.open = true;
  const int pid = process.id();
  parts->process.emplace(std::move(process));
  c->parts = std::move(parts);
  register_os_pid(c->proxy, pid);
  c->tell(tuple(c->ref, atom("launched"), pid));

  read_more(c, c->parts->out);
  read_more(c, c->parts->err);
  c->parts->process->async_wait([c](const error_code& wait_ec, int) { on_exit(c, wait_ec); });
}

// launch, turning an unexpected exception (out of memory, descriptors Asio cannot register) into a
// launch failure so that the proxy never waits for an answer that will not come.
void launch_or_report(const child_ptr& c) {
  try {
    launch(c);
  } catch (const std::exception& e) {
    const bool launched = c->parts && c->parts->process;
    if (!launched) {
      c->parts.reset();
      c->tell(
          tuple(c->ref, atom("launch_failed"), tuple(atom("spawn_failed"), binary(c->s.executable + ": " + e.what()))));
    } else {
      // Already running and announced, but perhaps unwatched: end it now rather than lose track
      // of it; the proxy learns of it once the reads under way reach end of file.
      log::write(log::level::error, c->prefix + "os_process: " + e.what());
      io_parts& p = *c->parts;
      error_code ignored;
      p.process->terminate(ignored);
      p.process->wait(ignored);
      p.process->detach();
      p.process.reset();
      unregister_os_pid(c->proxy);
      p.exit_reason = tuple(atom("wait_failed"), binary(e.what()));
      finish_if_done(c);
    }
  }
}

// On the service thread: SIGTERM (shutdown) or SIGKILL (the proxy is gone), unless already reaped.
void signal_child(const child_ptr& c, int sig) {
  if (!c->parts || !c->parts->process) return;
  error_code ignored;
  if (sig == SIGKILL)
    c->parts->process->terminate(ignored);
  else
    c->parts->process->request_exit(ignored);
}

// --- the proxy --------------------------------------------------------------------------------

// Owns the OS process on the proxy's side: whichever way the proxy ends (return, exit, killed),
// its destructor stops messages to the proxy and has the service thread SIGKILL whatever is still
// running.
class ownership {
 public:
  explicit ownership(child_ptr c) : c_(std::move(c)) {}
  ownership(const ownership&) = delete;
  ownership& operator=(const ownership&) = delete;
  ~ownership() {
    {
      const std::lock_guard lock(c_->mutex);
      c_->proxy_alive = false;
    }
    try {
      asio::post(the_service().io(), [c = c_] { signal_child(c, SIGKILL); });
    } catch (...) {
      log::write(log::level::error, c_->prefix + "os_process: could not ask for SIGKILL");
    }
  }

 private:
  child_ptr c_;
};

bool is_tagged(const term& m, const term& ref, atom tag) { return m.is_tuple(3) && m[0] == ref && m[1].is_atom(tag); }

void proxy_main(spec s, const term& parent, const term& ack) {
  const term ref = make_ref();
  auto c = std::make_shared<child>(std::move(s), self(), ref);
  const ownership owned(c);
  asio::post(the_service().io(), [c] { launch_or_report(c); });

  const atom launched("launched");
  const atom launch_failed("launch_failed");
  const term started = *receive(
      [&](const term& m) { return is_tagged(m, ref, launched) || is_tagged(m, ref, launch_failed); }, infinity);
  if (started[1].is_atom(launch_failed)) {
    unlink(parent);  // nothing is left running: the caller gets no 'EXIT' from us
    send(parent, tuple(ack, started[2]));
    return;
  }
  send(parent, tuple(ack, atoms::ok));

  const atom exited("exited");
  std::optional<term> stop_reason;
  for (;;) {
    const term m = receive();
    if (is_tagged(m, ref, exited)) {
      const term reason = stop_reason ? *stop_reason : m[2];
      if (reason.is_atom(atoms::normal)) return;
      otp::exit(reason);
    }
    if (m.is_tuple(3) && m[0].is_atom(atoms::exit_) && !stop_reason) {
      if (m[1] == parent || !m[2].is_atom(atoms::normal)) {
        stop_reason = m[2];
        asio::post(the_service().io(), [c] { signal_child(c, SIGTERM); });
      }
    }
    // Anything else is dropped.
  }
}

}  // namespace

term exit_reason_of_wait_status(int status) {
  if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    if (code == 0) return term(atoms::normal);
    return tuple(atom("exit_status"), code);
  }
  if (WIFSIGNALED(status)) return tuple(atom("signal"), signal_name(WTERMSIG(status)));
  return tuple(atom("wait_status"), status);
}

term start_link(spec s) {
  const term caller = self();
  const term ack = make_ref();
  const term proxy = spawn([s = std::move(s), caller, ack]() mutable { proxy_main(std::move(s), caller, ack); },
                           spawn_options{.link = true, .trap_exit = true});
  const term mon = monitor(proxy);
  const term m = *receive(
      [&](const term& x) {
        return (x.is_tuple(2) && x[0] == ack) || (x.is_tuple(5) && x[0].is_atom(atoms::down) && x[1] == mon);
      },
      infinity);
  if (m.is_tuple(2)) {
    if (m[1].is_atom(atoms::ok)) {
      demonitor(mon, true);
      return tuple(atoms::ok, proxy);
    }
    // The proxy unlinked itself and is ending: return once it is gone.
    receive([&](const term& x) { return x.is_tuple(5) && x[0].is_atom(atoms::down) && x[1] == mon; }, infinity);
    return tuple(atoms::error, m[1]);
  }
  // The proxy died while starting (killed). Its 'EXIT', sent before the 'DOWN', is consumed as
  // proc_lib's start_link does.
  receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_) && x[1] == proxy; }, milliseconds(0));
  return tuple(atoms::error, m[4]);
}

std::optional<int> os_pid(const term& proxy) { return registry().find(proxy); }

}  // namespace otp::os_process
