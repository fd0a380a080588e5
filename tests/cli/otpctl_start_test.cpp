// `otpctl start` end to end, on private copies of the counter example's release root and nodes on
// 127.0.0.1: the foreground node answers and stops cleanly on SIGTERM; the daemon writes its pid
// and log files and answers; its watchdog boots a node killed with SIGKILL into the permanent
// release again, ends with a clean stop of the node, stops the node on SIGTERM, takes the node
// with it when killed, and gives up on a node that cannot boot any more; a bad root, a second
// start and a bad command line fail. The cookie never shows in the daemon's command line or
// environment, --cookie-file gives it (owner-only files only), the daemon's files are 0600, and
// node.log rotates by size.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "otp/gen_server.hpp"
#include "otp/node_agent.hpp"
#include "otp/release_handler.hpp"
#include "start_test_support.hpp"

namespace {

using namespace otp::start_test;
using otp::atom;
using otp::term;
namespace rh = otp::release::release_handler;

const std::string cookie = "otpctl_start_test";

std::vector<std::string> daemon_args(const std::string& node, const counter_root& root) {
  return {"start",    "--name", node,           "--root", root.root.string(),
          "--cookie", cookie,   "--first-boot", "1.0.0",  "--daemon"};
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

class OtpctlStart : public ::testing::Test {
 protected:
  counter_root root_;
  reaper reaper_{root_};
  hidden_node here_{cookie};
  const std::string node_ = unique_node("st");

  term call(const std::string& server, const term& request) {
    return here_.run([&] { return otp::gen_server::call(otp::tuple(atom(server), atom(node_)), request); });
  }
  term handler() const { return otp::tuple(rh::registered_name, atom(node_)); }

  fs::path rotated(int i) const { return root_.log_file().string() + "." + std::to_string(i); }

  // Starts the daemon node; its pids are reaped at the end of the test.
  outcome start_daemon() {
    outcome r = run_otpctl(daemon_args(node_, root_));
    for (const fs::path& file : {root_.watchdog_pid_file(), root_.node_pid_file()})
      if (const auto pid = read_pid(file)) reaper_.track(*pid);
    return r;
  }
};

TEST_F(OtpctlStart, ForegroundNodeAnswersAndStopsCleanlyOnSigterm) {
  foreground_otpctl otpctl({"start", "--name", node_, "--root", root_.root.string(), "--cookie", cookie});
  const auto up = otpctl.line_with("is running release");
  ASSERT_TRUE(up) << "no readiness line on stdout";
  EXPECT_EQ(*up, "node " + node_ + " is running release counter 1.1.0 (Ctrl-C or SIGTERM stops it)")
      << "a first boot without --first-boot runs the newest release";
  EXPECT_EQ(here_.ping(node_), atom("pong"));
  EXPECT_EQ(call("counter", atom("get")), term(0));

  ::kill(otpctl.pid(), SIGTERM);
  const auto status = otpctl.wait_exit();
  ASSERT_TRUE(status) << "still running after SIGTERM";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_EQ(here_.ping(node_), atom("pang"));
  EXPECT_FALSE(fs::exists(root_.otpctl_dir())) << "the foreground writes no daemon files";
}

TEST_F(OtpctlStart, DaemonReturnsOnceUpWithItsPidAndLogFiles) {
  const outcome r = start_daemon();
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("node " + node_ + " is running release counter 1.0.0\n", 0), 0u) << r.out;
  const auto node_pid = read_pid(root_.node_pid_file());
  const auto watchdog_pid = read_pid(root_.watchdog_pid_file());
  ASSERT_TRUE(node_pid && watchdog_pid);
  EXPECT_NE(*node_pid, *watchdog_pid);
  EXPECT_NE(r.out.find("os pid " + std::to_string(*node_pid)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("watchdog os pid " + std::to_string(*watchdog_pid)), std::string::npos) << r.out;
  EXPECT_TRUE(process_exists(*node_pid));
  EXPECT_TRUE(process_exists(*watchdog_pid));

  EXPECT_EQ(here_.ping(node_), atom("pong")) << "up when otpctl returned";
  EXPECT_EQ(call("counter", atom("reset")), otp::tuple(atom("error"), otp::tuple(atom("unknown_call"), atom("reset"))))
      << "1.0.0's counter (--first-boot 1.0.0)";
  const std::string log = slurp(root_.log_file());
  EXPECT_NE(log.find("node " + node_ + " is running release counter 1.0.0"), std::string::npos) << log;
  EXPECT_NE(log.find("otpctl watchdog: started (os pid " + std::to_string(*watchdog_pid)), std::string::npos) << log;
}

TEST_F(OtpctlStart, WatchdogBootsANodeKilledWithSigkillIntoItsPermanentRelease) {
  ASSERT_EQ(start_daemon().code, 0);
  // 1.1.0 becomes the permanent release; the next boot must run it, not 1.0.0 (the first boot's).
  here_.run([&] {
    ASSERT_EQ(rh::unpack("1.1.0", handler()), otp::tuple(atom("ok"), otp::binary("1.1.0")));
    ASSERT_EQ(rh::install("1.1.0", otp::map({}), handler())[0], atom("ok"));
    ASSERT_EQ(rh::make_permanent("1.1.0", handler()), atom("ok"));
  });
  const pid_t watchdog = *read_pid(root_.watchdog_pid_file());
  const pid_t killed = *read_pid(root_.node_pid_file());
  ::kill(killed, SIGKILL);

  pid_t rebooted = killed;
  ASSERT_TRUE(wait_for_files(root_.otpctl_dir(),
                             [&] {
                               rebooted = read_pid(root_.node_pid_file()).value_or(killed);
                               return rebooted != killed &&
                                      slurp(root_.log_file()).find("is up again") != std::string::npos;
                             }))
      << "no reboot; the log:\n"
      << slurp(root_.log_file());
  reaper_.track(rebooted);
  const std::string log = slurp(root_.log_file());
  EXPECT_NE(log.find("the node process (os pid " + std::to_string(killed) +
                     ") was killed by signal 9 (SIGKILL); booting the permanent release again"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("is up again (os pid " + std::to_string(rebooted) + "), running release counter 1.1.0"),
            std::string::npos)
      << log;
  EXPECT_EQ(*read_pid(root_.watchdog_pid_file()), watchdog) << "the same watchdog";
  EXPECT_EQ(here_.ping(node_), atom("pong"));
  EXPECT_EQ(call("counter", atom("reset")), atom("ok")) << "1.1.0's counter";
}

TEST_F(OtpctlStart, ACleanStopOfTheNodeEndsTheWatchdog) {
  ASSERT_EQ(start_daemon().code, 0);
  const int watchdog = reaper_.track(*read_pid(root_.watchdog_pid_file()));
  const int node = reaper_.track(*read_pid(root_.node_pid_file()));
  EXPECT_EQ(here_.run([&] { return otp::release::node_agent::stop(otp::tuple(atom("node_agent"), atom(node_))); }),
            atom("ok"));
  EXPECT_TRUE(wait_pidfd(node)) << "the node did not stop";
  EXPECT_TRUE(wait_pidfd(watchdog)) << "the watchdog outlived a clean stop";
  EXPECT_FALSE(fs::exists(root_.node_pid_file()));
  EXPECT_FALSE(fs::exists(root_.watchdog_pid_file()));
  EXPECT_NE(slurp(root_.log_file()).find("exited with code 0; the node stopped, the watchdog ends"), std::string::npos);
}

TEST_F(OtpctlStart, SigtermToTheWatchdogStopsTheNodeThenItself) {
  ASSERT_EQ(start_daemon().code, 0);
  const pid_t watchdog_pid = *read_pid(root_.watchdog_pid_file());
  const int watchdog = reaper_.track(watchdog_pid);
  const int node = reaper_.track(*read_pid(root_.node_pid_file()));
  ::kill(watchdog_pid, SIGTERM);
  EXPECT_TRUE(wait_pidfd(node)) << "the node did not stop";
  EXPECT_TRUE(wait_pidfd(watchdog)) << "the watchdog did not end";
  const std::string log = slurp(root_.log_file());
  EXPECT_NE(log.find("otpctl watchdog: SIGTERM: stopping the node"), std::string::npos) << log;
  EXPECT_NE(log.find("node " + node_ + " stopping"), std::string::npos) << "a clean stop, not a kill:\n" << log;
  EXPECT_FALSE(fs::exists(root_.watchdog_pid_file()));
  EXPECT_EQ(here_.ping(node_), atom("pang"));
}

TEST_F(OtpctlStart, ANodeStopsCleanlyWhenItsWatchdogIsKilled) {
  ASSERT_EQ(start_daemon().code, 0);
  const int node = reaper_.track(*read_pid(root_.node_pid_file()));
  ::kill(*read_pid(root_.watchdog_pid_file()), SIGKILL);
  EXPECT_TRUE(wait_pidfd(node)) << "a node never runs unwatched";
  const std::string log = slurp(root_.log_file());
  EXPECT_NE(log.find("node " + node_ + " stopping (15)"), std::string::npos) << "SIGTERM, a clean stop:\n" << log;
}

TEST_F(OtpctlStart, WatchdogGivesUpOnANodeThatCannotBootAgain) {
  ASSERT_EQ(start_daemon().code, 0);
  const int watchdog = reaper_.track(*read_pid(root_.watchdog_pid_file()));
  fs::remove_all(root_.root / "lib" / "counter-1.0.0");  // the permanent release's application
  ::kill(*read_pid(root_.node_pid_file()), SIGKILL);
  EXPECT_TRUE(wait_pidfd(watchdog)) << "5 failed boots take 0.5 + 1 + 2 + 4 s of waiting";
  const std::string log = slurp(root_.log_file());
  EXPECT_EQ(count_of(log, "while booting"), 5u) << log;
  EXPECT_NE(log.find("5 boots in a row failed, the watchdog gives up"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(root_.watchdog_pid_file()));
}

TEST_F(OtpctlStart, ASecondStartFromARunningRootFails) {
  ASSERT_EQ(start_daemon().code, 0);
  const outcome again = run_otpctl(daemon_args(unique_node("st"), root_));
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("otpctl start: a node already runs from " + root_.root.string()), std::string::npos)
      << again.err;
  EXPECT_EQ(here_.ping(node_), atom("pong")) << "the first node is untouched";
}

// Whether /proc shows `pid` running; a zombie (ended, not yet reaped) has ended.
bool still_runs(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST_F(OtpctlStart, StopReturnsOnceTheNodeAndItsWatchdogAreGoneSoStartWorksRightAfter) {
  for (int round = 1; round <= 5; ++round) {
    const outcome started = start_daemon();
    ASSERT_EQ(started.code, 0) << "round " << round << ": " << started.err;
    const auto watchdog = read_pid(root_.watchdog_pid_file());
    const auto node = read_pid(root_.node_pid_file());
    ASSERT_TRUE(watchdog && node) << "round " << round;
    const outcome stopped = run_otpctl({"stop", "--node", node_, "--cookie", cookie});
    ASSERT_EQ(stopped.code, 0) << "round " << round << ": " << stopped.err;
    EXPECT_EQ(stopped.out, "node " + node_ + " stopped\n");
    EXPECT_FALSE(still_runs(*node)) << "round " << round << ": stop returned while the node runs";
    EXPECT_FALSE(still_runs(*watchdog)) << "round " << round << ": stop returned while the watchdog runs";
    EXPECT_FALSE(fs::exists(root_.watchdog_pid_file())) << "round " << round;
  }
}

TEST_F(OtpctlStart, ABadRootFailsWithTheNodesMessage) {
  const fs::path empty = root_.dir / "empty";
  fs::create_directories(empty);
  const outcome daemon =
      run_otpctl({"start", "--name", node_, "--root", empty.string(), "--cookie", cookie, "--daemon"});
  EXPECT_EQ(daemon.code, 1);
  EXPECT_EQ(daemon.out, "");
  EXPECT_EQ(daemon.err.rfind("otpctl start: cannot boot the release root " + empty.string(), 0), 0u) << daemon.err;
  EXPECT_FALSE(fs::exists(empty / "otpctl" / "watchdog.pid")) << "the watchdog ended";
  EXPECT_EQ(here_.ping(node_), atom("pang"));

  const outcome foreground = run_otpctl({"start", "--name", node_, "--root", empty.string(), "--cookie", cookie});
  EXPECT_EQ(foreground.code, 1);
  EXPECT_NE(foreground.err.find("cannot boot the release root " + empty.string()), std::string::npos) << foreground.err;

  const outcome missing =
      run_otpctl({"start", "--name", node_, "--root", (root_.dir / "nowhere").string(), "--daemon"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err,
            "otpctl start: no release root at " + (root_.dir / "nowhere").string() + ": not a directory\n");
}

// --- the cookie and the daemon's files -------------------------------------------------------------

// /proc/PID/cmdline or /proc/PID/environ, NULs and all.
std::string proc_file(pid_t pid, const std::string& which) {
  return slurp("/proc/" + std::to_string(pid) + "/" + which);
}

mode_t mode_of(const fs::path& file) {
  struct stat info {};
  EXPECT_EQ(::stat(file.c_str(), &info), 0) << file;
  return info.st_mode & 07777;
}

// A file holding `text`, with mode `mode`.
fs::path cookie_file(const counter_root& root, const std::string& text, mode_t mode) {
  const fs::path file = root.dir / ("cookie-" + std::to_string(mode));
  std::ofstream(file) << text << "\n";
  ::chmod(file.c_str(), mode);
  return file;
}

TEST_F(OtpctlStart, TheCookieIsInNeitherTheCommandLineNorTheEnvironmentOfTheDaemon) {
  ASSERT_EQ(start_daemon().code, 0) << "started with --cookie " << cookie;
  const pid_t watchdog = *read_pid(root_.watchdog_pid_file());
  const pid_t node = *read_pid(root_.node_pid_file());
  for (const pid_t pid : {watchdog, node}) {
    const std::string cmdline = proc_file(pid, "cmdline");
    EXPECT_NE(cmdline.find(std::string("--cookie") + '\0'), std::string::npos) << "the command line is otpctl's";
    EXPECT_EQ(cmdline.find(cookie), std::string::npos) << "pid " << pid << ": " << cmdline;
    EXPECT_EQ(proc_file(pid, "environ").find(cookie), std::string::npos) << "pid " << pid;
  }
  EXPECT_EQ(here_.ping(node_), atom("pong")) << "the node has its cookie";
}

TEST_F(OtpctlStart, ACookieFileGivesTheCookieAndMustBeTheOwnersOnly) {
  const fs::path good = cookie_file(root_, cookie, 0400);
  std::vector<std::string> args = daemon_args(node_, root_);
  args.erase(std::find(args.begin(), args.end(), "--cookie"), std::find(args.begin(), args.end(), "--cookie") + 2);
  args.insert(args.end(), {"--cookie-file", good.string()});
  const outcome started = run_otpctl(args);
  for (const fs::path& file : {root_.watchdog_pid_file(), root_.node_pid_file()})
    if (const auto pid = read_pid(file)) reaper_.track(*pid);
  ASSERT_EQ(started.code, 0) << started.err;
  EXPECT_EQ(here_.ping(node_), atom("pong")) << "the node has the file's cookie";
  EXPECT_EQ(proc_file(*read_pid(root_.node_pid_file()), "cmdline").find(cookie), std::string::npos);

  const outcome ping = run_otpctl({"ping", "--node", node_, "--cookie-file", good.string()});
  EXPECT_EQ(ping.code, 0) << ping.err;
  EXPECT_EQ(ping.out, "pong\n");

  const fs::path wrong = root_.dir / "wrong-cookie";
  std::ofstream(wrong) << "not_the_cookie\n";
  ::chmod(wrong.c_str(), 0600);
  const outcome refused = run_otpctl({"ping", "--node", node_, "--cookie-file", wrong.string()});
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.err, "otpctl ping: node " + node_ +
                             " refused the connection: most likely a wrong cookie (--cookie-file " + wrong.string() +
                             " does not match the node's), or the node uses distribution over TLS (give --tls-cert, "
                             "--tls-key and --tls-ca)\n");

  const fs::path readable = cookie_file(root_, cookie, 0644);
  for (const std::string command : {"ping", "start"}) {
    const outcome r = command == "ping" ? run_otpctl({"ping", "--node", node_, "--cookie-file", readable.string()})
                                        : run_otpctl({"start", "--name", unique_node("st"), "--root",
                                                      root_.root.string(), "--cookie-file", readable.string()});
    EXPECT_EQ(r.code, 1) << command;
    EXPECT_EQ(r.err, "otpctl " + command + ": cookie file " + readable.string() +
                         " must be accessible by owner only (chmod 400 it)\n");
  }
  const outcome missing = run_otpctl({"ping", "--node", node_, "--cookie-file", (root_.dir / "none").string()});
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err,
            "otpctl ping: cannot read cookie file " + (root_.dir / "none").string() + ": No such file or directory\n");
  EXPECT_FALSE(fs::exists(root_.dir / "none")) << "not created, unlike ~/.erlang.cookie";
  const outcome both = run_otpctl({"ping", "--node", node_, "--cookie", "c", "--cookie-file", good.string()});
  EXPECT_EQ(both.code, 2);
  EXPECT_EQ(both.err.rfind("otpctl ping: give either --cookie or --cookie-file\n", 0), 0u) << both.err;
}

TEST_F(OtpctlStart, TheDaemonsFilesAreForItsOwnerOnlyWhateverTheUmask) {
  const mode_t previous = ::umask(0);
  const outcome r = start_daemon();
  ::umask(previous);
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path history = root_.root / "releases" / "history.sqlite";
  for (const fs::path& file : {root_.log_file(), root_.node_pid_file(), root_.watchdog_pid_file(), history,
                               fs::path(history.string() + "-wal"), fs::path(history.string() + "-shm")})
    EXPECT_EQ(mode_of(file), 0600u) << file;
}

TEST_F(OtpctlStart, NodeLogIsRotatedBySizeKeepingTheNewestFiles) {
  std::vector<std::string> args = daemon_args(node_, root_);
  args.insert(args.end(), {"--log-max-size", "3000", "--log-keep", "2"});
  const outcome started = run_otpctl(args);
  for (const fs::path& file : {root_.watchdog_pid_file(), root_.node_pid_file()})
    if (const auto pid = read_pid(file)) reaper_.track(*pid);
  ASSERT_EQ(started.code, 0) << started.err;
  const fs::path first = rotated(1), second = rotated(2);
  auto logged = [&](const std::string& text) {
    for (const fs::path& f : {root_.log_file(), first, second})
      if (slurp(f).find(text) != std::string::npos) return true;
    return false;
  };
  // Each message the counter does not handle is logged with its text: about 1 KB a line. The next
  // one goes once the log has been rotated when it had to be.
  auto rotated_if_due = [&] {
    std::error_code ec;
    const auto size = fs::file_size(root_.log_file(), ec);
    return !ec && size <= 3000;
  };
  for (int i = 1; i <= 16; ++i) {
    const std::string tag = "message-" + std::to_string(i) + "-";
    here_.run([&] { otp::send(otp::tuple(atom("counter"), atom(node_)), otp::binary(tag + std::string(1000, 'x'))); });
    ASSERT_TRUE(wait_for_files(root_.otpctl_dir(), [&] { return logged(tag) && rotated_if_due(); }))
        << tag << " never logged, or node.log never rotated";
  }
  // 16 KB through a 3000-byte log: four rotations at least, and --log-keep 2 dropped the oldest.
  EXPECT_TRUE(wait_for_files(root_.otpctl_dir(), [&] { return fs::exists(second) && !logged("message-1-"); }))
      << "the oldest lines went with the oldest file";
  EXPECT_FALSE(fs::exists(rotated(3))) << "--log-keep 2";
  EXPECT_TRUE(logged("message-16-"));
  for (const fs::path& f : {root_.log_file(), first, second}) EXPECT_EQ(mode_of(f), 0600u) << f;
  EXPECT_EQ(here_.ping(node_), atom("pong"));
  EXPECT_EQ(here_.run([&] { return otp::release::node_agent::stop(otp::tuple(atom("node_agent"), atom(node_))); }),
            atom("ok"));
  ASSERT_TRUE(wait_for_files(root_.otpctl_dir(), [&] { return !fs::exists(root_.watchdog_pid_file()); }));
  EXPECT_TRUE(logged("the node stopped, the watchdog ends")) << "the watchdog writes to the current node.log";
  EXPECT_NE(slurp(root_.log_file()).find("the watchdog ends"), std::string::npos);
}

TEST(OtpctlStartUsage, ANameIsRequiredOnceAndTheRootToo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"start", "--root", "/tmp"},
        {"start", "--name", "a@127.0.0.1", "--sname", "a", "--root", "/tmp"},
        {"start", "--name", "a@127.0.0.1"},
        {"start", "--name", "a@127.0.0.1", "--root", "/tmp", "--timeout", "0"}}) {
    const outcome r = run_otpctl(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("Try 'otpctl start --help'."), std::string::npos) << r.err;
  }
  const outcome help = run_otpctl({"start", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--daemon"), std::string::npos) << help.out;
}

}  // namespace
