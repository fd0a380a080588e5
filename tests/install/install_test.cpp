// A project of its own, released (docs/first-release.md runs these very commands): this build is
// installed into a scratch prefix; tests/install/kv — the application kv with its gen_server
// module kv_store, releases 1.0.0 and 1.1.0 with an appup — is configured and built against it
// with find_package(otp-cpp) and the release functions; its archives hold the right entries; the
// installed otpctl plans the upgrade offline, starts a node from the 1.0.0 archive, unpacks the
// 1.1.0 archive, upgrades the running store (its state migrated by code_change), rolls back, and
// stops the node. And each wrong use of the release functions stops the configuration or the build
// with a message naming it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "../support/installed_package.hpp"
#include "otp/release_archive.hpp"

namespace {

namespace fs = std::filesystem;
using otp::test::run_logged;
using otp::test::tail_of;

struct command_result {
  int status = -1;
  std::string out;  // stdout; stderr goes to the log
};

// A directory of this test process, removed with everything in it.
class scratch_dir {
 public:
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "otp_install_test_XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Kills (SIGKILL) the watchdog and the node a daemon root's pid files name, whatever the test did.
class daemon_reaper {
 public:
  explicit daemon_reaper(fs::path root) : root_(std::move(root)) {}
  ~daemon_reaper() {
    for (const char* file : {"watchdog.pid", "node.pid"}) {
      std::ifstream in(root_ / "otpctl" / file);
      long pid = 0;
      if (in >> pid && pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
  }
  daemon_reaper(const daemon_reaper&) = delete;
  daemon_reaper& operator=(const daemon_reaper&) = delete;

 private:
  fs::path root_;
};

std::vector<std::string> archive_paths(const fs::path& archive) {
  std::vector<std::string> out;
  for (const auto& f : otp::release::read_release_archive(archive).files) out.push_back(f.path.generic_string());
  return out;
}

class Install : public ::testing::Test {
 protected:
  scratch_dir scratch_;
  fs::path log_ = scratch_.path() / "commands.log";

  // Runs `command` in the shell, its stdout captured and its stderr appended to the log.
  command_result run(const std::string& command) {
    const fs::path out_file = scratch_.path() / "stdout.txt";
    command_result r;
    r.status = run_logged("(" + command + " >'" + out_file.string() + "')", log_);
    std::ifstream in(out_file);
    std::stringstream text;
    text << in.rdbuf();
    r.out = text.str();
    std::ofstream(log_, std::ios::app) << r.out;
    return r;
  }
  // Runs `command`, which must succeed; its stdout.
  std::string ok(const std::string& command) {
    const command_result r = run(command);
    EXPECT_EQ(r.status, 0) << command << "\n" << tail_of(log_);
    return r.out;
  }
};

TEST_F(Install, AProjectOfItsOwnIsReleasedStartedFromItsArchiveUpgradedAndRolledBack) {
  const otp::test::installed_project project =
      otp::test::install_and_build(OTP_TEST_BINARY_DIR, OTP_TEST_KV_PROJECT_DIR, scratch_.path(), OTP_TEST_CXX_FLAGS);
  ASSERT_EQ(project.error, "");
  const std::string otpctl = (project.prefix / "bin" / "otpctl").string();
  const fs::path build = project.build;
  const std::string v1 = (build / "kv-1.0.0.tar.gz").string(), v2 = (build / "kv-1.1.0.tar.gz").string();

  // The installed program runs from its prefix: its libraries are found relative to it.
  EXPECT_EQ(ok(otpctl + " --version"), "otpctl 0.1.0\n");

  // One archive per release, holding that release and its application's version, with checksums.
  ASSERT_TRUE(fs::exists(v1) && fs::exists(v2)) << tail_of(project.log);
  EXPECT_EQ(archive_paths(v1), (std::vector<std::string>{"lib/kv-1.0.0/kv.app.yaml", "lib/kv-1.0.0/modules/kv_store.so",
                                                         "releases/1.0.0/SHA256SUMS", "releases/1.0.0/kv.rel.yaml"}));
  const std::vector<std::string> v2_paths{"lib/kv-1.1.0/kv.app.yaml", "lib/kv-1.1.0/kv.appup.yaml",
                                          "lib/kv-1.1.0/modules/kv_store.so", "releases/1.1.0/SHA256SUMS",
                                          "releases/1.1.0/kv.rel.yaml"};
  EXPECT_EQ(archive_paths(v2), v2_paths);
  std::string listed = ok("tar tzf '" + v2 + "' | sort");
  EXPECT_EQ(listed,
            "lib/kv-1.1.0/kv.app.yaml\nlib/kv-1.1.0/kv.appup.yaml\nlib/kv-1.1.0/modules/kv_store.so\n"
            "releases/1.1.0/SHA256SUMS\nreleases/1.1.0/kv.rel.yaml\n");
  // The build tree's release root holds both releases.
  EXPECT_TRUE(fs::exists(build / "root/releases/1.0.0/kv.rel.yaml"));
  EXPECT_TRUE(fs::exists(build / "root/lib/kv-1.1.0/modules/kv_store.so"));

  // Offline: what a node running 1.0.0 would do to install 1.1.0, and back.
  const std::string up_script =
      "%% relup up from \"1.0.0\" to \"1.1.0\"\n"
      "{load_object_code,{kv,\"1.1.0\",[kv_store]}}\n"
      "point_of_no_return\n"
      "{suspend,[kv_store]}\n"
      "{load,{kv_store,brutal_purge,brutal_purge}}\n"
      "{code_change,up,[{kv_store,[]}]}\n"
      "{resume,[kv_store]}\n";
  EXPECT_EQ(ok(otpctl + " plan '" + v1 + "' '" + v2 + "'"), up_script);
  EXPECT_EQ(ok(otpctl + " plan '" + (build / "root").string() + "' 1.0.0 1.1.0"), up_script);
  EXPECT_NE(ok(otpctl + " plan '" + v2 + "' '" + v1 + "'").find("%% relup down from \"1.1.0\" to \"1.0.0\"\n"),
            std::string::npos);

  // A node started from the 1.0.0 archive.
  const std::string node = "kv" + std::to_string(::getpid()) + "@127.0.0.1";
  const std::string at = " --node " + node + " --cookie kvsecret ";
  const fs::path node_root = scratch_.path() / "kv-node";
  daemon_reaper reaper(node_root);
  const std::string started = ok(otpctl + " start --name " + node + " --cookie kvsecret --release '" + v1 +
                                 "' --root '" + node_root.string() + "' --daemon");
  ASSERT_NE(started.find("node " + node + " is running release kv 1.0.0"), std::string::npos) << started;
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store '{put, a, 1}'"), "ok\n");
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store '{put, b, 2}'"), "ok\n");
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store stats"), "{error,{unknown_call,stats}}\n");

  // 1.1.0 from its archive, installed while the store runs: its state migrated by code_change.
  EXPECT_EQ(ok(otpctl + " unpack" + at + "'" + v2 + "'"), "unpacked release 1.1.0 on node " + node + "\n");
  EXPECT_EQ(ok(otpctl + " relup" + at + "1.1.0 --dry-run"),
            "node " + node + ": upgrade from 1.0.0 to 1.1.0 would run (dry run: nothing changed):\n" + up_script);
  const std::string upgraded = ok(otpctl + " relup" + at + "1.1.0");
  EXPECT_NE(upgraded.find("upgraded from 1.0.0 to 1.1.0"), std::string::npos) << upgraded;
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store stats"), "#{keys => 2,writes => 2}\n");
  // Its configuration changed with it, and kv_store was told how (config_change).
  const std::string told = ok(otpctl + " config" + at + "kv last_config_change");
  EXPECT_NE(told.find("{[{port,8081}],[{max_keys,100}],[greeting]}"), std::string::npos) << told;
  EXPECT_EQ(ok(otpctl + " config" + at + "kv port"), "8081\n");
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store '{put, c, 3}'"), "ok\n");
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store stats"), "#{keys => 3,writes => 3}\n");

  // Rolled back to the permanent 1.0.0: the store keeps its keys, and no longer knows stats.
  const std::string rolled_back = ok(otpctl + " rollback" + at);
  EXPECT_NE(rolled_back.find("downgraded from 1.1.0 to 1.0.0"), std::string::npos) << rolled_back;
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store '{get, c}'"), "3\n");
  EXPECT_EQ(ok(otpctl + " call" + at + "kv_store stats"), "{error,{unknown_call,stats}}\n");
  EXPECT_EQ(ok(otpctl + " config" + at + "kv port"), "8080\n");
  EXPECT_EQ(ok(otpctl + " stop" + at), "node " + node + " stopped\n");
}

TEST_F(Install, EachWrongUseOfTheReleaseFunctionsIsNamed) {
  const otp::test::installed_project installed = otp::test::install(OTP_TEST_BINARY_DIR, scratch_.path());
  ASSERT_EQ(installed.error, "");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"undeclared_application",
       "otp_add_release(kv 1.0.0): no application kv-1.0.0 (declare it with otp_add_application(<app> VSN <vsn> ...) "
       "first)"},
      {"not_a_module", "otp_add_application(kv): MODULES 'not_a_module' is not built by otp_add_module"},
      {"missing_app_file",
       "otp_add_application(kv): APP_FILE " OTP_TEST_BROKEN_PROJECT_DIR "/nowhere/kv.app.yaml does not exist"},
      {"declared_twice", "otp_add_application(kv): version 1.0.0 is declared twice"},
      {"module_without_its_file", "/lib/kv-1.0.0/modules: missing module file kv_store-1.0.0.so (or kv_store.so)"},
  };
  for (const auto& [name, message] : cases) {
    otp::test::installed_project project = installed;
    project.build = scratch_.path() / ("broken_" + name);
    project.log = scratch_.path() / ("broken_" + name + ".log");
    otp::test::configure_and_build(project, OTP_TEST_BROKEN_PROJECT_DIR, OTP_TEST_CXX_FLAGS, "-DOTP_BROKEN=" + name);
    EXPECT_NE(project.error, "") << name << " was accepted";
    // CMake wraps long messages: compare with the log's whitespace runs made single spaces.
    std::string log;
    for (const char c : tail_of(project.log)) {
      const char d = (c == '\n' || c == ' ') ? ' ' : c;
      if (d != ' ' || log.empty() || log.back() != ' ') log += d;
    }
    EXPECT_NE(log.find(message), std::string::npos) << name << ": " << tail_of(project.log);
  }
}

}  // namespace
