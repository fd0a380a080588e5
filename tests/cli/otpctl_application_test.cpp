// Applications as OTP runs them, end to end with daemon nodes on private copies of the counter
// example's release root (its supervisor's intensity lowered to 0, so that one crash of the counter
// exhausts it): a permanent application that exits stops the node and its watchdog boots it again,
// recorded in the history; the watchdog gives up after --max-restarts boots in --restart-period,
// with its message and a history row; `otpctl application stop|start|which` and `otpctl status`'s
// exit code with a permanent application stopped; `otpctl config` with the environment from the
// application file, the release's config and the node's --config file.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "otp/gen_server.hpp"
#include "otp/release_history.hpp"
#include "start_test_support.hpp"

namespace {

using namespace otp::start_test;
using otp::atom;
using otp::term;

const std::string cookie = "otpctl_application_test";

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void replace_in_file(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = slurp(file);
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error(file.string() + " has no '" + from + "'");
  text.replace(at, from.size(), to);
  std::ofstream(file, std::ios::trunc) << text;
}

void append_to_file(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::app) << text; }

class OtpctlApplication : public ::testing::Test {
 protected:
  void SetUp() override { replace_in_file(app_file(), "intensity: 3", "intensity: 0"); }

  fs::path app_file() const { return root_.root / "lib" / "counter-1.0.0" / "counter.app.yaml"; }
  fs::path history_file() const { return root_.root / "releases" / "history.sqlite"; }

  outcome start_daemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"start",    "--name", node_,          "--root", root_.root.string(),
                                  "--cookie", cookie,   "--first-boot", "1.0.0",  "--daemon"};
    args.insert(args.end(), extra.begin(), extra.end());
    outcome r = run_otpctl(args);
    for (const fs::path& file : {root_.watchdog_pid_file(), root_.node_pid_file()})
      if (const auto pid = read_pid(file)) reaper_.track(*pid);
    return r;
  }

  outcome otpctl(const std::string& command, std::vector<std::string> args = {}) {
    std::vector<std::string> all{command, "--node", node_, "--cookie", cookie};
    all.insert(all.end(), args.begin(), args.end());
    return run_otpctl(all);
  }

  // A cast the counter cannot handle: it crashes, and with intensity 0 its supervisor gives up.
  void crash_counter() {
    here_.run([&] {
      otp::gen_server::cast(otp::tuple(atom("counter"), atom(node_)), otp::tuple(atom("increment"), atom("x")));
    });
  }

  // Waits until the log holds `count` occurrences of `text`.
  bool wait_for_log(const std::string& text, std::size_t count = 1) {
    return wait_for_files(root_.otpctl_dir(), [&] {
      const std::string log = slurp(root_.log_file());
      std::size_t n = 0;
      for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + text.size())) ++n;
      return n >= count;
    });
  }

  std::vector<otp::release::history_event> history() const {
    return otp::release::release_history(history_file()).events();
  }

  counter_root root_;
  reaper reaper_{root_};
  hidden_node here_{cookie};
  const std::string node_ = unique_node("ap");
};

TEST_F(OtpctlApplication, APermanentApplicationThatExhaustsItsIntensityStopsTheNodeAndTheWatchdogBootsItAgain) {
  ASSERT_EQ(start_daemon().code, 0);
  const pid_t first = *read_pid(root_.node_pid_file());
  crash_counter();
  ASSERT_TRUE(wait_for_log("is up again")) << slurp(root_.log_file());
  if (const auto pid = read_pid(root_.node_pid_file())) reaper_.track(*pid);
  const std::string log = slurp(root_.log_file());
  EXPECT_TRUE(contains(log, "application counter exited: shutdown; the node stops (permanent)")) << log;
  EXPECT_TRUE(contains(log, "the node process (os pid " + std::to_string(first) +
                                ") exited with code 3; booting the permanent release again"))
      << log;
  EXPECT_EQ(here_.ping(node_), atom("pong"));
  EXPECT_EQ(here_.run([&] { return otp::gen_server::call(otp::tuple(atom("counter"), atom(node_)), atom("get")); }),
            term(0))
      << "a fresh counter";
  const auto events = history();
  std::vector<std::string> kinds;
  for (const auto& e : events) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"unpack", "boot", "make_permanent", "application_exit", "boot"}));
  const auto exit =
      std::find_if(events.begin(), events.end(), [](const auto& e) { return e.kind == "application_exit"; });
  ASSERT_NE(exit, events.end());
  EXPECT_EQ(exit->name, "counter");
  EXPECT_EQ(exit->vsn, "1.0.0");
  EXPECT_EQ(exit->reason, "shutdown");
}

TEST_F(OtpctlApplication, TheWatchdogGivesUpAfterMaxRestartsBootsInItsPeriod) {
  ASSERT_EQ(start_daemon({"--max-restarts", "1", "--restart-period", "60s"}).code, 0);
  const int watchdog = reaper_.track(*read_pid(root_.watchdog_pid_file()));
  crash_counter();
  ASSERT_TRUE(wait_for_log("is up again")) << slurp(root_.log_file());
  if (const auto pid = read_pid(root_.node_pid_file())) reaper_.track(*pid);
  crash_counter();
  ASSERT_TRUE(wait_pidfd(watchdog)) << "the watchdog still runs:\n" << slurp(root_.log_file());
  const std::string log = slurp(root_.log_file());
  EXPECT_TRUE(contains(log,
                       "exited with code 3; the node exited 2 times within 60 s (--max-restarts 1 "
                       "--restart-period 60s); the watchdog gives up"))
      << log;
  EXPECT_FALSE(fs::exists(root_.watchdog_pid_file()));
  const auto events = history();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, "watchdog_gave_up");
  EXPECT_EQ(events.back().reason, "the node exited 2 times within 60 s (--max-restarts 1 --restart-period 60s)");
}

TEST_F(OtpctlApplication, StatusFailsWhileAPermanentApplicationIsStoppedOnRequest) {
  ASSERT_EQ(start_daemon().code, 0);
  const outcome which = otpctl("application", {"which"});
  ASSERT_EQ(which.code, 0) << which.err;
  EXPECT_TRUE(contains(which.out, "counter  1.0.0  permanent  The counter: a gen_server keeping a sum")) << which.out;

  const outcome stopped = otpctl("application", {"stop", "counter"});
  ASSERT_EQ(stopped.code, 0) << stopped.err;
  EXPECT_EQ(stopped.out, "application counter stopped on node " + node_ + "\n");
  const outcome down = otpctl("status");
  EXPECT_EQ(down.code, 1);
  EXPECT_EQ(down.out, "counter 1.0.0 stopped (permanent): stopped\n");
  EXPECT_TRUE(contains(down.err, "a permanent application of node " + node_ + " is not running")) << down.err;
  const outcome json = otpctl("status", {"--json"});
  EXPECT_EQ(json.code, 1);
  EXPECT_EQ(boost::json::parse(json.out),
            boost::json::parse(
                R"([{"app":"counter","vsn":"1.0.0","state":"stopped","type":"permanent","reason":"stopped"}])"));
  EXPECT_EQ(here_.ping(node_), atom("pong")) << "a stop on request does not stop the node";

  const outcome again = otpctl("application", {"stop", "counter"});
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(contains(again.err, "cannot stop application counter on node " + node_ + ": {not_started,counter}"))
      << again.err;
  ASSERT_EQ(otpctl("application", {"start", "counter"}).code, 0);
  const outcome up = otpctl("status");
  EXPECT_EQ(up.code, 0) << up.err;
  EXPECT_TRUE(up.out.starts_with("counter 1.0.0\n")) << up.out;
}

TEST_F(OtpctlApplication, ConfigPrintsTheEnvironmentFromTheAppFileTheReleaseAndTheNodeConfigFile) {
  append_to_file(app_file(), "env:\n  step: 1\n  limit: 10\n  greeting: '<<\"hi\">>'\n");
  append_to_file(root_.root / "releases" / "1.0.0" / "counter.rel.yaml", "config:\n  counter: {step: 2}\n");
  const fs::path node_config = root_.dir / "node.config.yaml";
  std::ofstream(node_config) << "counter:\n  limit: 20\n";
  const outcome started = start_daemon({"--config", node_config.string()});
  ASSERT_EQ(started.code, 0) << started.err;

  const outcome app = otpctl("config", {"counter"});
  ASSERT_EQ(app.code, 0) << app.err;
  EXPECT_EQ(app.out, "{step,2}.\n{limit,20}.\n{greeting,<<\"hi\">>}.\n");
  const outcome all = otpctl("config");
  EXPECT_EQ(all.out, "%% counter\n{step,2}.\n{limit,20}.\n{greeting,<<\"hi\">>}.\n");
  const outcome key = otpctl("config", {"counter", "limit"});
  EXPECT_EQ(key.out, "20\n");
  const outcome json = otpctl("config", {"--json", "counter"});
  EXPECT_EQ(boost::json::parse(json.out), boost::json::parse(R"({"step":2,"limit":20,"greeting":"hi"})"));
  const outcome missing = otpctl("config", {"counter", "nothing"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(contains(missing.err, "application counter has no key nothing on node " + node_)) << missing.err;
}

TEST_F(OtpctlApplication, ABadNodeConfigFileIsRefusedAtStartNamingItsLine) {
  const fs::path node_config = root_.dir / "bad.config.yaml";
  std::ofstream(node_config) << "counter:\n  limit: \"{\"\n";
  const outcome started = start_daemon({"--config", node_config.string()});
  EXPECT_EQ(started.code, 1);
  EXPECT_TRUE(contains(started.err, node_config.string() + ":2:")) << started.err;
  EXPECT_TRUE(contains(started.err, "the value of 'limit' is not a valid Erlang term")) << started.err;
}

}  // namespace
