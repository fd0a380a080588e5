// OS-process children (otp/os_process.hpp): a proxy process stands for an executable.
//   - how the OS process ended is the proxy's exit reason: normal, {exit_status, N},
//     {signal, Name} (exit 9 and SIGKILL differ);
//   - exit(Proxy, shutdown) sends SIGTERM and the proxy exits with shutdown; exit(Proxy, kill)
//     kills the OS process too (SIGKILL, reaped), as does the runtime going down;
//   - stdout/stderr reach the log line by line with the child's id as prefix;
//   - arguments, environment and working directory reach the child; launch failures are clear.
//
// The OS processes are tests/supervisor/os_child (see its commands there). Each test owns its
// runtime; waits are on 'DOWN' messages and bounded polls of a condition, never sleeps.
#include "otp/os_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/supervisor.hpp"
#include "otp/term.hpp"
#include "otp/term_text.hpp"

#ifndef OTP_OS_CHILD
#error "OTP_OS_CHILD must name the os_child test program"
#endif

namespace otp {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr milliseconds must_happen_within{5000};
constexpr milliseconds must_not_happen_within{100};

os_process::spec child_spec(std::vector<std::string> commands, const char* id = "worker1") {
  os_process::spec s;
  s.executable = OTP_OS_CHILD;
  s.arguments = std::move(commands);
  s.id = atom(id);
  return s;
}

bool is_down_of(const term& m, const term& ref) { return m.is_tuple(5) && m[0].is_atom(atoms::down) && m[1] == ref; }

// The 'DOWN' reason of `ref`; fails the test (nullopt) when none comes in time.
std::optional<term> down_reason(const term& ref, milliseconds limit = must_happen_within) {
  auto m = receive([&](const term& x) { return is_down_of(x, ref); }, limit);
  if (!m) return std::nullopt;
  return (*m)[4];
}

// The reason of the {'EXIT', Proxy, Reason} a trapping caller gets from the proxy it started
// (linked, so unlike a monitor taken after start_link returns it cannot miss a quick end).
term linked_exit_reason(const term& proxy) {
  auto m = receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_) && x[1] == proxy; },
                   must_happen_within);
  return m ? (*m)[2] : term(atom("no_exit"));
}

// Polls `condition` until it holds or `limit` passes; the process waits in receive between polls
// (no scheduler thread is blocked). For conditions nothing can notify, e.g. a pid being reaped.
bool eventually(const std::function<bool()>& condition, milliseconds limit = must_happen_within) {
  const auto deadline = clock_type::now() + limit;
  while (!condition()) {
    if (clock_type::now() >= deadline) return false;
    receive([](const term&) { return false; }, 2ms);
  }
  return true;
}

bool os_process_gone(int pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

// Starts `s`, expects {ok, Pid}; returns Pid (nil on failure, with a test failure).
term start_ok(os_process::spec s) {
  const term started = os_process::start_link(std::move(s));
  EXPECT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started.to_string();
  return started.is_tuple(2) ? started[1] : term();
}

// Runs `commands` in os_child until it ends by itself; returns the proxy's exit reason.
term exit_reason_of(std::vector<std::string> commands) {
  trap_exit(true);
  return linked_exit_reason(start_ok(child_spec(std::move(commands))));
}

class OsProcess : public testing::Test {
 protected:
  void SetUp() override { log::set_level(log::level::info); }
  void TearDown() override { log::set_level(saved_); }

  runtime rt_;

 private:
  log::level saved_ = log::get_level();
};

// --- exit reasons ------------------------------------------------------------------------------

TEST_F(OsProcess, ExitCodeZeroIsNormal) {
  EXPECT_EQ(rt_.run([] { return exit_reason_of({"exit:0"}); }), term(atoms::normal));
}

TEST_F(OsProcess, NonZeroExitCodeIsExitStatus) {
  EXPECT_EQ(rt_.run([] { return exit_reason_of({"exit:3"}); }), tuple(atom("exit_status"), 3));
}

TEST_F(OsProcess, ExitCodeNineAndSigkillAreToldApart) {
  EXPECT_EQ(rt_.run([] { return exit_reason_of({"exit:9"}); }), tuple(atom("exit_status"), 9));
  EXPECT_EQ(rt_.run([] { return exit_reason_of({"signal:9"}); }), tuple(atom("signal"), atom("sigkill")));
}

TEST_F(OsProcess, SegfaultIsSignalSigsegv) {
  EXPECT_EQ(rt_.run([] { return exit_reason_of({"segv"}); }), tuple(atom("signal"), atom("sigsegv")));
}

TEST_F(OsProcess, AbortIsSignalSigabrt) {
  EXPECT_EQ(rt_.run([] { return exit_reason_of({"signal:6"}); }), tuple(atom("signal"), atom("sigabrt")));
}

TEST(OsProcessReason, WaitStatusesMapToReasons) {
  EXPECT_EQ(os_process::exit_reason_of_wait_status(0), term(atoms::normal));
  EXPECT_EQ(os_process::exit_reason_of_wait_status(W_EXITCODE(255, 0)), tuple(atom("exit_status"), 255));
  EXPECT_EQ(os_process::exit_reason_of_wait_status(SIGTERM), tuple(atom("signal"), atom("sigterm")));
  EXPECT_EQ(os_process::exit_reason_of_wait_status(SIGUSR1), tuple(atom("signal"), atom("sigusr1")));
  // A real-time signal has no name: its number.
  EXPECT_EQ(os_process::exit_reason_of_wait_status(SIGRTMIN + 1), tuple(atom("signal"), SIGRTMIN + 1));
}

// --- shutdown ----------------------------------------------------------------------------------

TEST_F(OsProcess, ShutdownSendsSigtermAndTheProxyExitsWithShutdown) {
  log::capture captured;
  const term reason = rt_.run([&] {
    trap_exit(true);
    const term proxy = start_ok(child_spec({"term-says:got sigterm", "ready", "wait"}));
    EXPECT_TRUE(eventually([&] { return captured.contains("[worker1] ready"); }));
    const term ref = monitor(proxy);
    otp::exit(proxy, atoms::shutdown);
    return down_reason(ref).value_or(atom("no_down"));
  });
  EXPECT_EQ(reason, term(atoms::shutdown));
  // The child's SIGTERM handler ran (and its output was logged before the proxy ended).
  EXPECT_TRUE(captured.contains("[worker1] got sigterm"));
}

TEST_F(OsProcess, ExitFromTheParentIsTheProxysExitReason) {
  // The parent (the caller of start_link) ends with {shutdown, bye}: SIGTERM, then the proxy ends
  // with the same reason even though the OS process itself died of SIGTERM.
  const term reason = rt_.run([] {
    const term me = self();
    const term parent = spawn([me] {
      const term started = os_process::start_link(child_spec({"wait"}));
      send(me, tuple(atom("proxy"), started[1]));
      receive();
      otp::exit(tuple(atoms::shutdown, atom("bye")));
    });
    const term proxy = (*receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("proxy")); }))[1];
    const term ref = monitor(proxy);
    send(parent, atom("go"));
    return down_reason(ref).value_or(atom("no_down"));
  });
  EXPECT_EQ(reason, tuple(atoms::shutdown, atom("bye")));
}

TEST_F(OsProcess, AChildIgnoringSigtermSurvivesShutdownAndIsKilledWithTheProxy) {
  log::capture captured;
  rt_.run([&] {
    trap_exit(true);
    const term proxy = start_ok(child_spec({"ignore-term", "ready", "wait"}));
    const std::optional<int> pid = os_process::os_pid(proxy);
    ASSERT_TRUE(pid.has_value());
    ASSERT_TRUE(eventually([&] { return captured.contains("[worker1] ready"); }));
    const term ref = monitor(proxy);

    otp::exit(proxy, atoms::shutdown);
    EXPECT_FALSE(down_reason(ref, must_not_happen_within).has_value()) << "the proxy must wait for its OS process";
    EXPECT_EQ(::kill(*pid, 0), 0) << "SIGTERM is ignored: the OS process still runs";

    otp::exit(proxy, atoms::kill);  // the supervisor's shutdown timeout ran out
    EXPECT_EQ(down_reason(ref), term(atoms::killed));
    EXPECT_TRUE(eventually([&] { return os_process_gone(*pid); })) << "SIGKILLed and reaped";
  });
}

TEST_F(OsProcess, BrutalKillOfTheProxyKillsAndReapsTheOsProcess) {
  rt_.run([&] {
    trap_exit(true);
    const term proxy = start_ok(child_spec({"wait"}));
    const std::optional<int> pid = os_process::os_pid(proxy);
    ASSERT_TRUE(pid.has_value());
    const term ref = monitor(proxy);
    otp::exit(proxy, atoms::kill);
    EXPECT_EQ(down_reason(ref), term(atoms::killed));
    EXPECT_TRUE(eventually([&] { return os_process_gone(*pid); }));
  });
}

TEST(OsProcessRuntime, TheRuntimeGoingDownKillsItsOsProcesses) {
  std::optional<int> pid;
  log::capture captured;
  {
    runtime rt;
    rt.run([&] {
      trap_exit(true);
      const term proxy = start_ok(child_spec({"ignore-term", "ready", "wait"}));
      pid = os_process::os_pid(proxy);
      EXPECT_TRUE(eventually([&] { return captured.contains("[worker1] ready"); }));
      unlink(proxy);  // outlive this process: its normal end would otherwise stop the proxy
    });
    ASSERT_TRUE(pid.has_value());
    EXPECT_EQ(::kill(*pid, 0), 0);
  }  // ~runtime kills every process, the proxy included
  const auto deadline = clock_type::now() + must_happen_within;
  while (!os_process_gone(*pid) && clock_type::now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(os_process_gone(*pid));
}

TEST_F(OsProcess, ANormalExitOfAnotherLinkedProcessIsIgnored) {
  rt_.run([] {
    trap_exit(true);
    const term proxy = start_ok(child_spec({"wait"}));
    const term ref = monitor(proxy);
    // Another process links to the proxy and ends normally: like a non-trapping process, the
    // proxy carries on.
    const term other = spawn([proxy] { link(proxy); });
    const term other_ref = monitor(other);
    EXPECT_TRUE(down_reason(other_ref).has_value());
    EXPECT_FALSE(down_reason(ref, must_not_happen_within).has_value());
    otp::exit(proxy, atoms::shutdown);
    EXPECT_EQ(down_reason(ref), term(atoms::shutdown));
  });
}

// --- output ------------------------------------------------------------------------------------

TEST_F(OsProcess, OutputLinesReachTheLogWithTheIdPrefix) {
  log::capture captured;
  const term reason = rt_.run([] {
    return exit_reason_of({"out:hello", "err:something odd", "out:second line", "partial:tail"});
  });
  ASSERT_EQ(reason, term(atoms::normal));
  // Every line is logged before the proxy ends: no waiting here.
  std::vector<log::record> mine;
  for (const log::record& r : captured.records())
    if (r.text.starts_with("[worker1] ")) mine.push_back(r);
  ASSERT_EQ(mine.size(), 4u);
  std::vector<std::string> stdout_lines;
  for (const log::record& r : mine)
    if (r.severity == log::level::info) stdout_lines.push_back(r.text);
  EXPECT_EQ(stdout_lines, (std::vector<std::string>{"[worker1] hello", "[worker1] second line", "[worker1] tail"}));
  EXPECT_TRUE(std::any_of(mine.begin(), mine.end(), [](const log::record& r) {
    return r.severity == log::level::notice && r.text == "[worker1] something odd";
  }));
}

TEST_F(OsProcess, ManyLinesArriveWholeAndInOrder) {
  log::capture captured;
  ASSERT_EQ(rt_.run([] { return exit_reason_of({"lines:2000"}); }), term(atoms::normal));
  std::vector<std::string> lines;
  for (const std::string& l : captured.lines())
    if (l.starts_with("[worker1] line ")) lines.push_back(l);
  ASSERT_EQ(lines.size(), 2000u);
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(lines[i], "[worker1] line " + std::to_string(i));
}

TEST_F(OsProcess, TheIdIsPrintedAsATerm) {
  log::capture captured;
  rt_.run([] {
    trap_exit(true);
    os_process::spec s = child_spec({"out:hi"});
    s.id = tuple(atom("worker"), 7);
    EXPECT_EQ(linked_exit_reason(start_ok(std::move(s))), term(atoms::normal));
  });
  EXPECT_TRUE(captured.contains("[{worker,7}] hi"));
}

// --- what reaches the child --------------------------------------------------------------------

TEST_F(OsProcess, ArgumentsEnvironmentAndWorkingDirectoryReachTheChild) {
  const std::filesystem::path dir = std::filesystem::canonical(std::filesystem::temp_directory_path());
  log::capture captured;
  rt_.run([&] {
    trap_exit(true);
    os_process::spec s = child_spec({"arg:two words", "arg:", "args", "env:OTP_OS_TEST", "env:PATH", "cwd"});
    s.environment = {{"OTP_OS_TEST", "a value=with equals"}};
    s.working_directory = dir.string();
    EXPECT_EQ(linked_exit_reason(start_ok(std::move(s))), term(atoms::normal));
  });
  EXPECT_TRUE(captured.contains(std::string("[worker1] argv[0]=") + OTP_OS_CHILD));
  EXPECT_TRUE(captured.contains("[worker1] argv[1]=arg:two words"));
  EXPECT_TRUE(captured.contains("[worker1] argv[2]=arg:\n") || captured.contains("[worker1] argv[2]=arg:"));
  EXPECT_TRUE(captured.contains("[worker1] OTP_OS_TEST=a value=with equals"));
  EXPECT_TRUE(captured.contains(std::string("[worker1] PATH=") + std::getenv("PATH"))) << "inherited";
  EXPECT_TRUE(captured.contains("[worker1] cwd=" + dir.string()));
}

TEST_F(OsProcess, TheChildStartsWithNoBlockedOrIgnoredSignals) {
  log::capture captured;
  ASSERT_EQ(rt_.run([] { return exit_reason_of({"sigstate"}); }), term(atoms::normal));
  EXPECT_TRUE(captured.contains("[worker1] blocked=0 ignored=0"));
}

TEST_F(OsProcess, TheChildInheritsNoDescriptorButStdio) {
  const int leaky = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, as careless host code does
  ASSERT_GE(leaky, 0);
  log::capture captured;
  const term reason = rt_.run([] { return exit_reason_of({"fds"}); });
  ::close(leaky);
  ASSERT_EQ(reason, term(atoms::normal));
  EXPECT_TRUE(captured.contains("[worker1] fds=0,1,2"));
}

TEST_F(OsProcess, ANameWithoutSlashIsLookedUpInPath) {
  log::capture captured;
  const term reason = rt_.run([] {
    trap_exit(true);
    os_process::spec s;
    s.executable = "sh";
    s.arguments = {"-c", "echo via path; exit 4"};
    s.id = atom("shell");
    return linked_exit_reason(start_ok(std::move(s)));
  });
  EXPECT_EQ(reason, tuple(atom("exit_status"), 4));
  EXPECT_TRUE(captured.contains("[shell] via path"));
}

TEST_F(OsProcess, OsPidNamesTheRunningOsProcessOnly) {
  rt_.run([] {
    trap_exit(true);
    EXPECT_FALSE(os_process::os_pid(self()).has_value());
    const term proxy = start_ok(child_spec({"wait"}));
    const std::optional<int> pid = os_process::os_pid(proxy);
    ASSERT_TRUE(pid.has_value());
    EXPECT_GT(*pid, 0);
    EXPECT_NE(*pid, ::getpid());
    const term ref = monitor(proxy);
    otp::exit(proxy, atoms::shutdown);
    EXPECT_EQ(down_reason(ref), term(atoms::shutdown));
    EXPECT_FALSE(os_process::os_pid(proxy).has_value());
    EXPECT_TRUE(os_process_gone(*pid)) << "reaped before the proxy ended";
  });
}

// --- launch failures ---------------------------------------------------------------------------

// start_link's result for `s`, called from a process that traps exits; checks that nothing was
// left behind: no proxy process, no 'EXIT' message.
term failed_start(runtime& rt, os_process::spec s) {
  return rt.run([&] {
    trap_exit(true);
    const std::size_t before = rt.process_count();
    const term result = os_process::start_link(std::move(s));
    // (A previous run's process may still be ending, hence <=.)
    EXPECT_LE(rt.process_count(), before) << "the proxy is gone";
    EXPECT_FALSE(
        receive([](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms::exit_); }, must_not_happen_within)
            .has_value());
    return result;
  });
}

term spawn_failed(std::string_view text) { return tuple(atoms::error, tuple(atom("spawn_failed"), binary(text))); }

TEST_F(OsProcess, AMissingExecutableIsAClearError) {
  os_process::spec s = child_spec({});
  s.executable = "/nonexistent/otp-no-such-program";
  EXPECT_EQ(failed_start(rt_, s), spawn_failed("/nonexistent/otp-no-such-program: No such file or directory"));
  s.executable = "otp-no-such-program-in-path";
  EXPECT_EQ(failed_start(rt_, s), spawn_failed("otp-no-such-program-in-path: No such file or directory"));
}

TEST_F(OsProcess, AFileThatIsNotExecutableIsAClearError) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("otp_os_process_test_" + std::to_string(::getpid()) + ".txt");
  { std::ofstream(file) << "not a program\n"; }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  os_process::spec s = child_spec({});
  s.executable = file.string();
  const term result = failed_start(rt_, s);
  std::filesystem::remove(file);
  EXPECT_EQ(result, spawn_failed(file.string() + ": Permission denied"));
}

TEST_F(OsProcess, ABadWorkingDirectoryIsAClearError) {
  os_process::spec s = child_spec({"exit:0"});
  s.working_directory = "/nonexistent/otp-dir";
  EXPECT_EQ(failed_start(rt_, s), spawn_failed("working directory /nonexistent/otp-dir: No such file or directory"));
}

// --- under a supervisor -------------------------------------------------------------------------

// A supervisor whose children are the given specs (one_for_one, 5 restarts in 10 s).
class os_children final : public supervisor::behaviour {
 public:
  explicit os_children(std::vector<supervisor::child_spec> specs) : specs_(std::move(specs)) {}
  supervisor::init_result init(const term&) override {
    supervisor::flags f;
    f.intensity = 5;
    f.period = 10;
    return supervisor::init_result::ok(f, specs_);
  }

 private:
  std::vector<supervisor::child_spec> specs_;
};

// The child spec a user writes for an executable: the start function calls os_process::start_link.
supervisor::child_spec os_child_spec(const char* id, std::vector<std::string> commands, std::int64_t shutdown_ms) {
  os_process::spec ps = child_spec(std::move(commands), id);
  supervisor::child_spec cs =
      supervisor::child_spec::worker(atom(id), [ps](const term&) { return os_process::start_link(ps); });
  cs.shutdown = supervisor::shutdown_spec::after(shutdown_ms);
  return cs;
}

// The pid of child `id` in which_children, or nil.
term child_pid(const term& sup, const term& id) {
  const term children = supervisor::which_children(sup);
  for (const term& c : children.elements())
    if (c.is_tuple(4) && c[0] == id) return c[1];
  return term();
}

TEST_F(OsProcess, UnderASupervisorASegfaultingChildIsRestarted) {
  const std::filesystem::path marker =
      std::filesystem::temp_directory_path() / ("otp_os_process_segv_" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  log::capture captured;
  rt_.run([&] {
    trap_exit(true);
    // The first run segfaults (and leaves the marker); the restarted one says ready and waits.
    const term started = supervisor::start_link(
        std::make_shared<os_children>(
            std::vector{os_child_spec("crashy", {"segv-once:" + marker.string(), "ready", "wait"}, 1000)}),
        term());
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started.to_string();
    const term sup = started[1];
    EXPECT_TRUE(eventually([&] { return captured.contains("[crashy] ready"); }));
    EXPECT_TRUE(captured.contains("{signal,sigsegv}")) << "the child_terminated report names the signal";
    const term pid = child_pid(sup, atom("crashy"));
    ASSERT_TRUE(pid.is_pid());
    const std::optional<int> os_pid = os_process::os_pid(pid);
    ASSERT_TRUE(os_pid.has_value());
    const term ref = monitor(sup);
    otp::exit(sup, atoms::shutdown);
    EXPECT_EQ(down_reason(ref), term(atoms::shutdown));
    EXPECT_TRUE(eventually([&] { return os_process_gone(*os_pid); }));
  });
  std::filesystem::remove(marker);
}

TEST_F(OsProcess, UnderASupervisorAChildIgnoringSigtermIsKilledAtItsShutdownTimeout) {
  log::capture captured;
  rt_.run([&] {
    trap_exit(true);
    const term started = supervisor::start_link(
        std::make_shared<os_children>(std::vector{os_child_spec("stubborn", {"ignore-term", "ready", "wait"}, 200)}),
        term());
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started.to_string();
    const term sup = started[1];
    ASSERT_TRUE(eventually([&] { return captured.contains("[stubborn] ready"); }));
    const std::optional<int> os_pid = os_process::os_pid(child_pid(sup, atom("stubborn")));
    ASSERT_TRUE(os_pid.has_value());

    const auto before = clock_type::now();
    EXPECT_EQ(supervisor::terminate_child(sup, atom("stubborn")), term(atoms::ok));
    EXPECT_GE(clock_type::now() - before, 200ms) << "SIGTERM first, kill only at the timeout";
    EXPECT_TRUE(eventually([&] { return os_process_gone(*os_pid); }));
    const term ref = monitor(sup);
    otp::exit(sup, atoms::shutdown);
    EXPECT_EQ(down_reason(ref), term(atoms::shutdown));
  });
}

TEST_F(OsProcess, UnderASupervisorShutdownStopsTheOsProcessWithSigterm) {
  log::capture captured;
  rt_.run([&] {
    trap_exit(true);
    const term started = supervisor::start_link(
        std::make_shared<os_children>(std::vector{os_child_spec("polite", {"term-says:bye", "ready", "wait"}, 5000)}),
        term());
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started.to_string();
    const term sup = started[1];
    ASSERT_TRUE(eventually([&] { return captured.contains("[polite] ready"); }));
    EXPECT_EQ(supervisor::terminate_child(sup, atom("polite")), term(atoms::ok));
    EXPECT_TRUE(captured.contains("[polite] bye"));
    EXPECT_FALSE(captured.contains("shutdown_error")) << "the proxy exits with shutdown";
    const term ref = monitor(sup);
    otp::exit(sup, atoms::shutdown);
    EXPECT_EQ(down_reason(ref), term(atoms::shutdown));
  });
}

}  // namespace
}  // namespace otp
