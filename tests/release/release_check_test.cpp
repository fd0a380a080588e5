// The whole-release check: one broken input per kind of problem, each message asserted with the
// file:line:column of what the user wrote, and a release with several problems reporting them all.
#include "otp/release_check.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "release_test_support.hpp"

namespace {

using otp::release::check_release;
using otp::release::release_root;
using rel_test::write_file;
namespace fs = std::filesystem;

const std::string kRelease = R"(name: kvrel
vsn: "1.0.0"
applications:
  - {name: kernel, vsn: "8.5"}
  - {name: kv, vsn: "1.0.0"}
)";

const std::string kKernel = "name: kernel\nvsn: \"8.5\"\nmodules: [kernel_mod]\n";

const std::string kKv = R"(name: kv
vsn: "1.0.0"
modules: [kv_store, kv_sup]
registered: [kv_store]
applications: [kernel]
supervisor:
  children:
    - id: store
      start: {module: kv_store}
      name: kv_store
)";

const std::string kAppup = R"(vsn: "1.0.0"
up:
  - from: "0.9.0"
    instructions:
      - update: kv_store
      - add_module: kv_sup
down:
  - to: "0.9.0"
    instructions:
      - delete_module: kv_sup
)";

// A complete release root; each test breaks one thing in it.
struct kv_root {
  rel_test::temp_dir dir;
  fs::path root = dir.path();

  kv_root() {
    write_file(root / "releases/1.0.0/kvrel.rel.yaml", kRelease);
    write_file(root / "lib/kernel-8.5/kernel.app.yaml", kKernel);
    write_file(root / "lib/kernel-8.5/modules/kernel_mod.so", "kernel");
    write_file(root / "lib/kv-1.0.0/kv.app.yaml", kKv);
    write_file(root / "lib/kv-1.0.0/kv.appup.yaml", kAppup);
    write_file(root / "lib/kv-1.0.0/modules/kv_store-1.0.0.so", "store");
    write_file(root / "lib/kv-1.0.0/modules/kv_sup.so", "sup");
  }

  void replace(const std::string& file, const std::string& from, const std::string& to) const {
    std::ifstream in(root / file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    write_file(root / file, text.replace(at, from.size(), to));
  }

  // Each problem, with the root's path written ROOT.
  std::vector<std::string> problems() const {
    std::vector<std::string> out;
    for (const auto& p : check_release(release_root(root), "1.0.0").problems) {
      std::string text = p.to_string();
      for (auto at = text.find(root.string()); at != std::string::npos; at = text.find(root.string()))
        text.replace(at, root.string().size(), "ROOT");
      out.push_back(text);
    }
    return out;
  }
};

using problems = std::vector<std::string>;

TEST(ReleaseCheck, ACompleteReleaseHasNoProblemAndEveryModuleFileIsRecorded) {
  const kv_root r;
  const auto checked = check_release(release_root(r.root), "1.0.0");
  EXPECT_TRUE(checked.ok()) << ::testing::PrintToString(r.problems());
  ASSERT_EQ(checked.files.size(), 3u);
  EXPECT_EQ(checked.files[1].path, "lib/kv-1.0.0/modules/kv_store-1.0.0.so");
}

TEST(ReleaseCheck, AnAppupNamingAModuleTheApplicationLacks) {
  const kv_root r;
  r.replace("lib/kv-1.0.0/kv.appup.yaml", "update: kv_store", "update: kv_cache");
  EXPECT_EQ(r.problems(), (problems{"ROOT/lib/kv-1.0.0/kv.appup.yaml:5:17: 'update: kv_cache' names a module that kv "
                                    "1.0.0 does not have (its 'modules' are [kv_store, kv_sup])"}));
}

TEST(ReleaseCheck, AReleaseNamingAnApplicationVersionThatDoesNotExist) {
  const kv_root r;
  r.replace("releases/1.0.0/kvrel.rel.yaml", "{name: kv, vsn: \"1.0.0\"}", "{name: kv, vsn: \"1.2.0\"}");
  EXPECT_EQ(r.problems(), (problems{"ROOT/releases/1.0.0/kvrel.rel.yaml:5:21: application kv 1.2.0 does not exist: "
                                    "missing application directory ROOT/lib/kv-1.2.0 (lib/ has kv 1.0.0)"}));
}

TEST(ReleaseCheck, ADependencyThatIsNotInTheRelease) {
  const kv_root r;
  r.replace("lib/kv-1.0.0/kv.app.yaml", "applications: [kernel]", "applications: [kernel, crypto]");
  EXPECT_EQ(r.problems(),
            (problems{"ROOT/lib/kv-1.0.0/kv.app.yaml:5:24: kv depends on crypto, which is not in the release"}));
}

TEST(ReleaseCheck, AMissingModuleFile) {
  const kv_root r;
  fs::remove(r.root / "lib/kv-1.0.0/modules/kv_sup.so");
  EXPECT_EQ(r.problems(), (problems{"ROOT/lib/kv-1.0.0/kv.app.yaml:3:21: ROOT/lib/kv-1.0.0/modules: missing module "
                                    "file kv_sup-1.0.0.so (or kv_sup.so)"}));
}

TEST(ReleaseCheck, AStartOrderCycle) {
  const kv_root r;
  r.replace("lib/kernel-8.5/kernel.app.yaml", "modules: [kernel_mod]\n", "modules: [kernel_mod]\napplications: [kv]\n");
  EXPECT_EQ(r.problems(), (problems{"ROOT/lib/kv-1.0.0/kv.app.yaml:5:16: start-order cycle: kernel -> kv -> kernel "
                                    "(each application starts after those it depends on)"}));
}

TEST(ReleaseCheck, VersionsThatDisagreeWithTheirDirectory) {
  const kv_root r;
  r.replace("lib/kv-1.0.0/kv.app.yaml", "vsn: \"1.0.0\"", "vsn: \"1.0.1\"");
  EXPECT_EQ(r.problems(), (problems{"ROOT/lib/kv-1.0.0/kv.app.yaml:2:6: the application's vsn is '1.0.1' but it is "
                                    "in kv-1.0.0, expected '1.0.0'"}));
  const kv_root appup;
  appup.replace("lib/kv-1.0.0/kv.appup.yaml", "vsn: \"1.0.0\"", "vsn: \"0.9.0\"");
  EXPECT_EQ(appup.problems(), (problems{"ROOT/lib/kv-1.0.0/kv.appup.yaml:1:6: the appup's vsn is '0.9.0' but it is "
                                        "in kv-1.0.0, expected '1.0.0'"}));
  const kv_root release;
  release.replace("releases/1.0.0/kvrel.rel.yaml", "vsn: \"1.0.0\"\napp", "vsn: \"1.0.1\"\napp");
  EXPECT_EQ(release.problems(), (problems{"ROOT/releases/1.0.0/kvrel.rel.yaml:2:6: the release's vsn is '1.0.1' but "
                                          "it is in releases/1.0.0"}));
}

TEST(ReleaseCheck, AChildNameMissingFromRegistered) {
  const kv_root r;
  r.replace("lib/kv-1.0.0/kv.app.yaml", "registered: [kv_store]", "registered: []");
  EXPECT_EQ(r.problems(), (problems{"ROOT/lib/kv-1.0.0/kv.app.yaml:10:13: child store registers the name 'kv_store', "
                                    "which the application's 'registered' does not list"}));
}

TEST(ReleaseCheck, AFileThatDoesNotParseGivesItsErrorAndTheOthersAreStillChecked) {
  const kv_root r;
  r.replace("lib/kernel-8.5/kernel.app.yaml", "modules: [kernel_mod]", "modules: kernel_mod: x");
  fs::remove(r.root / "lib/kv-1.0.0/modules/kv_sup.so");
  const auto found = r.problems();
  ASSERT_EQ(found.size(), 2u) << ::testing::PrintToString(found);
  EXPECT_EQ(found[0].rfind("ROOT/lib/kernel-8.5/kernel.app.yaml:3:", 0), 0u) << found[0];
  EXPECT_NE(found[1].find("missing module file kv_sup-1.0.0.so"), std::string::npos) << found[1];
}

TEST(ReleaseCheck, EveryProblemOfAReleaseIsReportedAtOnce) {
  const kv_root r;
  r.replace("lib/kv-1.0.0/kv.app.yaml", "vsn: \"1.0.0\"", "vsn: \"1.0.1\"");
  r.replace("lib/kv-1.0.0/kv.app.yaml", "applications: [kernel]", "applications: [kernel, crypto]");
  r.replace("lib/kv-1.0.0/kv.app.yaml", "registered: [kv_store]", "registered: []");
  r.replace("lib/kv-1.0.0/kv.appup.yaml", "update: kv_store", "update: kv_cache");
  fs::remove(r.root / "lib/kv-1.0.0/modules/kv_sup.so");
  r.replace("releases/1.0.0/kvrel.rel.yaml", "{name: kernel, vsn: \"8.5\"}", "{name: kernel, vsn: \"8.6\"}");
  EXPECT_EQ(r.problems(),
            (problems{
                "ROOT/releases/1.0.0/kvrel.rel.yaml:4:25: application kernel 8.6 does not exist: missing application "
                "directory ROOT/lib/kernel-8.6 (lib/ has kernel 8.5)",
                "ROOT/lib/kv-1.0.0/kv.app.yaml:2:6: the application's vsn is '1.0.1' but it is in kv-1.0.0, expected "
                "'1.0.0'",
                "ROOT/lib/kv-1.0.0/kv.app.yaml:5:24: kv depends on crypto, which is not in the release",
                "ROOT/lib/kv-1.0.0/kv.app.yaml:3:21: ROOT/lib/kv-1.0.0/modules: missing module file kv_sup-1.0.0.so "
                "(or kv_sup.so)",
                "ROOT/lib/kv-1.0.0/kv.appup.yaml:5:17: 'update: kv_cache' names a module that kv 1.0.0 does not have "
                "(its 'modules' are [kv_store, kv_sup])",
                "ROOT/lib/kv-1.0.0/kv.app.yaml:10:13: child store registers the name 'kv_store', which the "
                "application's 'registered' does not list",
            }));
}

}  // namespace
