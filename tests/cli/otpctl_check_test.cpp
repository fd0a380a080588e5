// otpctl as users and scripts meet it: the built program run as a child process. `check` on the
// examples' release files (valid), on broken files (exit 1, the error with line and column), its
// --json output parsed back; the help texts; and every kind of wrong command line (exit 2).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct outcome {
  int code = -1;  // the exit status; -1 when it did not exit normally
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs otpctl with `args`, its stdout and stderr captured in files, and waits for it.
outcome otpctl(const std::vector<std::string>& args) {
  const fs::path dir = fs::temp_directory_path() / ("otpctl_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string out_file = (dir / "out").string();
  const std::string err_file = (dir / "err").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> words{OTP_OTPCTL};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, OTP_OTPCTL, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  outcome r;
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << OTP_OTPCTL << ": error " << spawned;
    return r;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.code = WEXITSTATUS(status);
  r.out = slurp(out_file);
  r.err = slurp(err_file);
  fs::remove_all(dir);
  return r;
}

std::string data(const std::string& name) { return (fs::path(OTP_TEST_DATA_DIR) / name).string(); }

// Every release source of the examples (examples/<example>/release/<vsn>/*.yaml).
std::vector<std::string> example_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(OTP_EXAMPLES_SOURCE_DIR))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml" &&
        entry.path().parent_path().parent_path().filename() == "release")
      files.push_back(entry.path().string());
  return files;
}

TEST(OtpctlCheck, TheExamplesReleaseFilesAreValid) {
  const std::vector<std::string> files = example_files();
  ASSERT_EQ(files.size(), 15u) << "3 examples x (2 application files, 2 release files, 1 appup)";
  const outcome r = otpctl([&] {
    std::vector<std::string> args{"check"};
    args.insert(args.end(), files.begin(), files.end());
    return args;
  }());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const std::string& f : files) EXPECT_NE(r.out.find(f + ": ok\n"), std::string::npos) << f;
}

TEST(OtpctlCheck, BrokenFilesFailWithTheirLineAndColumn) {
  const struct {
    std::string file;
    std::string error;
  } cases[] = {
      {data("broken.app.yaml"), data("broken.app.yaml") + ":3:1: unknown key 'modlues' in the application"},
      {data("broken.rel.yaml"), data("broken.rel.yaml") + ":4:1: end of sequence flow not found"},
      {data("broken.appup.yaml"), data("broken.appup.yaml") + ":5:9: unknown instruction 'upgrade'"},
  };
  for (const auto& c : cases) {
    const outcome r = otpctl({"check", c.file});
    EXPECT_EQ(r.code, 1) << c.file;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind(c.error, 0), 0u) << "expected '" << c.error << "...', got: " << r.err;
  }
}

TEST(OtpctlCheck, OneBadFileAmongGoodOnesFailsTheCheckAndEveryFileIsReported) {
  const std::string good = example_files().front();
  const std::string missing = data("missing.rel.yaml");
  const outcome r = otpctl({"check", good, data("broken.app.yaml"), missing});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, good + ": ok\n");
  EXPECT_NE(r.err.find(data("broken.app.yaml") + ":3:1: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(missing + ": cannot open the file"), std::string::npos) << r.err;
}

TEST(OtpctlCheck, JsonGivesOneVerdictPerFile) {
  const std::string good = example_files().front();
  const outcome r = otpctl({"check", "--json", good, data("broken.app.yaml")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "");
  const json::value v = json::parse(r.out);
  ASSERT_TRUE(v.is_array()) << r.out;
  const json::array& a = v.as_array();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].at("file").as_string(), good);
  EXPECT_TRUE(a[0].at("ok").as_bool());
  EXPECT_TRUE(a[0].at("error").is_null());
  EXPECT_EQ(a[1].at("file").as_string(), data("broken.app.yaml"));
  EXPECT_FALSE(a[1].at("ok").as_bool());
  EXPECT_EQ(a[1].at("line").to_number<int>(), 3);
  EXPECT_EQ(a[1].at("column").to_number<int>(), 1);
  EXPECT_NE(std::string(a[1].at("error").as_string()).find(":3:1: unknown key 'modlues'"), std::string::npos);
}

TEST(OtpctlUsage, HelpTextsExitZero) {
  const outcome top = otpctl({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_NE(top.out.find("Usage: otpctl"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("check"), std::string::npos) << top.out;
  const outcome check = otpctl({"check", "--help"});
  EXPECT_EQ(check.code, 0);
  EXPECT_NE(check.out.find("Usage: otpctl check [--json] FILE..."), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("--json"), std::string::npos) << check.out;
}

TEST(OtpctlUsage, AWrongCommandLineExitsTwoAndSaysWhy) {
  const struct {
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {{}, "Usage: otpctl"},
      {{"frobnicate"}, "'frobnicate' is not a command"},
      {{"check"}, "otpctl check: no FILE to check"},
      {{"check", "--frob", data("broken.app.yaml")}, "otpctl check: unrecognised option '--frob'"},
      {{"check", data("notes.txt")}, "is not an application, release or appup file"},
  };
  for (const auto& c : cases) {
    const outcome r = otpctl(c.args);
    EXPECT_EQ(r.code, 2) << ::testing::PrintToString(c.args);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(c.says), std::string::npos) << "'" << c.says << "' not in: " << r.err;
  }
}

}  // namespace
