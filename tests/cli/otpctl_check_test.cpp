// otpctl as users and scripts meet it: the built program run as a child process. `check` on the
// examples' release files (valid), on broken files (exit 1, the error with line and column), its
// --json output parsed back; the help texts; and every kind of wrong command line (exit 2).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "node_test_support.hpp"
#include "otp/release_archive.hpp"
#include "otp/release_root.hpp"

namespace {

using namespace otpctl_node_test;
namespace json = boost::json;

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

// A module or application name, or a version, that would lead out of a release root.
TEST(OtpctlCheck, NamesThatAreNotPlainFileNamesAreRefused) {
  const struct {
    std::string file;
    std::string error;
  } cases[] = {
      {data("escaping.app.yaml"), data("escaping.app.yaml") +
                                      ":3:17: each entry of 'modules' must be a plain file name, got "
                                      "'../../../../tmp/x/evil': it contains '/' (a name is 1 to 128 letters, digits "
                                      "and _ - . @ +, starts with a letter, a digit or _, and has no '..')\n"},
      {data("escaping.rel.yaml"), data("escaping.rel.yaml") +
                                      ":2:6: 'vsn' must be a plain file name, got '../../2.0': it contains '/' (a "
                                      "name is 1 to 128 letters, digits and _ - . @ +, starts with a letter, a digit "
                                      "or _, and has no '..')\n"},
  };
  for (const auto& c : cases) {
    const outcome r = otpctl({"check", c.file});
    EXPECT_EQ(r.code, 1) << c.file;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, c.error);
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

// ---- a whole release: check --root ------------------------------------------------------------------

// Replaces `from` by `to` in a file.
void edit(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = slurp(file);
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << file;
  text.replace(at, from.size(), to);
  std::ofstream(file, std::ios::trunc) << text;
}

TEST(OtpctlCheckRelease, AWholeReleaseOfARootOrAnArchiveIsOk) {
  const outcome r = otpctl({"check", "--root", example_counter_root().string(), "--vsn", "1.1.0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, example_counter_root().string() + " release 1.1.0: ok\n");
}

TEST(OtpctlCheckRelease, EveryProblemOfAReleaseIsReportedWithItsFileLineAndColumn) {
  const counter_root copy;
  const fs::path app = copy.root() / "lib/counter-1.0.0/counter.app.yaml";
  edit(app, "vsn: \"1.0.0\"", "vsn: \"1.0.2\"");
  edit(app, "registered: [counter, counter_sup]", "registered: [counter_sup]\napplications: [stdlib]");
  edit(app, "restart: permanent", "restart: permanent\n      name: counter");
  fs::remove_all(copy.root() / "lib/counter-1.0.0/modules");
  const outcome r = otpctl({"check", "--root", copy.root().string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  const std::string modules = (copy.root() / "lib/counter-1.0.0/modules").string();
  EXPECT_EQ(lines(r.err),
            (std::vector<std::string>{
                app.string() + ":3:6: the application's vsn is '1.0.2' but it is in counter-1.0.0, "
                               "expected '1.0.0'",
                app.string() + ":7:16: counter depends on stdlib, which is not in the release",
                app.string() + ":5:11: " + modules + ": missing module file counter-1.0.0.so (or counter.so)",
                app.string() + ":17:13: child counter registers the name 'counter', which the "
                               "application's 'registered' does not list",
            }))
      << r.err;
}

TEST(OtpctlCheckRelease, AProblemInsideAnArchiveNamesTheArchive) {
  const counter_root copy;
  edit(copy.root() / "lib/counter-1.0.0/counter.app.yaml", "registered: [counter, counter_sup]",
       "registered: [counter, counter_sup]\napplications: [crypto]");
  const temp_dir out("archive");
  const fs::path archive = out.path() / "counter-1.0.0.tar.gz";
  otp::release::write_release_archive(otp::release::release_root(copy.root()), "1.0.0", archive);
  const outcome r = otpctl({"check", "--root", archive.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, archive.string() +
                       ":lib/counter-1.0.0/counter.app.yaml:7:16: counter depends on crypto, which is not in the "
                       "release\n");
}

TEST(OtpctlUsage, HelpTextsExitZero) {
  const outcome top = otpctl({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_NE(top.out.find("Usage: otpctl"), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("check"), std::string::npos) << top.out;
  const outcome check = otpctl({"check", "--help"});
  EXPECT_EQ(check.code, 0);
  EXPECT_NE(check.out.find("Usage: otpctl check [--json] [FILE...] [--root PATH [--vsn VSN]]"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("--json"), std::string::npos) << check.out;
}

TEST(OtpctlUsage, AWrongCommandLineExitsTwoAndSaysWhy) {
  const struct {
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {{}, "Usage: otpctl"},
      {{"frobnicate"}, "'frobnicate' is not a command"},
      {{"check"}, "otpctl check: no FILE and no --root to check"},
      {{"check", "--root", example_counter_root().string()}, "holds releases 1.0.0, 1.1.0: pick one with --vsn"},
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
