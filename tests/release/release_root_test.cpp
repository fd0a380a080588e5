// The release root on disk: listing releases, reading a release with its applications, the
// planner's inputs fed straight into plan_upgrade / plan_downgrade, module lookup, and the unpack
// check (every file present and consistent, sha256 of each module file).
#include "otp/release_root.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "otp/relup.hpp"
#include "otp/sha256.hpp"
#include "release_test_support.hpp"

namespace {

using otp::atom;
using otp::release::layout_error;
using otp::release::release_root;
using rel_test::write_file;

std::string app_yaml(const std::string& vsn, const std::string& extra_deps = "") {
  return "name: counter\nvsn: \"" + vsn +
         "\"\nmodules: [counter, counter_store]\nregistered: [counter]\napplications: [kernel" + extra_deps +
         "]\nsupervisor:\n  children:\n    - {id: counter, start: {module: counter}}\n";
}

// A root with release 1.0 (kernel 8.5, counter 1.0.0) and release 2.0 (kernel 8.5, counter 1.1.0
// with its appup).
void make_root(const std::filesystem::path& root) {
  write_file(root / "releases/1.0/myrel.rel.yaml",
             "name: myrel\nvsn: \"1.0\"\napplications:\n  - {name: kernel, vsn: \"8.5\"}\n  - {name: counter, vsn: "
             "\"1.0.0\"}\n");
  write_file(root / "releases/2.0/myrel.rel.yaml",
             "name: myrel\nvsn: \"2.0\"\napplications:\n  - {name: kernel, vsn: \"8.5\"}\n  - {name: counter, vsn: "
             "\"1.1.0\"}\n");
  write_file(root / "lib/kernel-8.5/kernel.app.yaml", "name: kernel\nvsn: \"8.5\"\nmodules: [kernel_mod]\n");
  write_file(root / "lib/kernel-8.5/modules/kernel_mod.so", "kernel module bytes");
  write_file(root / "lib/counter-1.0.0/counter.app.yaml", app_yaml("1.0.0"));
  write_file(root / "lib/counter-1.0.0/modules/counter-1.0.0.so", "counter 1.0.0");
  write_file(root / "lib/counter-1.0.0/modules/counter_store.so", "store 1.0.0");
  write_file(root / "lib/counter-1.1.0/counter.app.yaml", app_yaml("1.1.0"));
  write_file(
      root / "lib/counter-1.1.0/counter.appup.yaml",
      "vsn: \"1.1.0\"\nup:\n  - from: \"1.0.0\"\n    instructions:\n      - update: counter\n        change: "
      "{advanced: \"[]\"}\n        dep_mods: [counter_store]\n      - load_module: counter_store\n"
      "down:\n  - to: \"1.0.0\"\n    instructions:\n      - update: counter\n        change: {advanced: \"[]\"}\n"
      "        dep_mods: [counter_store]\n      - load_module: counter_store\n");
  write_file(root / "lib/counter-1.1.0/modules/counter-1.1.0.so", "counter 1.1.0");
  write_file(root / "lib/counter-1.1.0/modules/counter_store-1.1.0.so", "store 1.1.0");
  // Something that is not a release: ignored by the listing.
  std::filesystem::create_directories(root / "releases/scratch");
  write_file(root / "releases/start_erl.data", "13.1.5 1.0");
}

TEST(ReleaseRoot, PathsFollowOtpsLayout) {
  const release_root r("/opt/node");
  EXPECT_EQ(r.release_dir("2.0"), "/opt/node/releases/2.0");
  EXPECT_EQ(r.lib_dir(atom("counter"), "1.1.0"), "/opt/node/lib/counter-1.1.0");
  EXPECT_EQ(r.app_file(atom("counter"), "1.1.0"), "/opt/node/lib/counter-1.1.0/counter.app.yaml");
  EXPECT_EQ(r.appup_file(atom("counter"), "1.1.0"), "/opt/node/lib/counter-1.1.0/counter.appup.yaml");
  EXPECT_EQ(r.modules_dir(atom("counter"), "1.1.0"), "/opt/node/lib/counter-1.1.0/modules");
}

TEST(ReleaseRoot, ListsAndReadsReleases) {
  rel_test::temp_dir dir;
  make_root(dir.path());
  const release_root r(dir.path());
  EXPECT_EQ(r.release_versions(), (std::vector<std::string>{"1.0", "2.0"}));
  EXPECT_EQ(r.release_file("2.0"), dir.path() / "releases/2.0/myrel.rel.yaml");
  const auto loaded = r.load("2.0");
  EXPECT_EQ(loaded.release.name, "myrel");
  EXPECT_EQ(loaded.release.vsn, "2.0");
  ASSERT_EQ(loaded.applications.size(), 2u);
  EXPECT_EQ(loaded.applications[1].name, atom("counter"));
  EXPECT_EQ(loaded.applications[1].vsn, "1.1.0");
  EXPECT_TRUE(loaded.applications[1].supervisor);
  EXPECT_FALSE(r.read_appup(atom("counter"), "1.0.0"));
  ASSERT_TRUE(r.read_appup(atom("counter"), "1.1.0"));
  EXPECT_EQ(r.read_appup(atom("counter"), "1.1.0")->vsn, "1.1.0");
  EXPECT_THROW(r.read_release("3.0"), layout_error);
  EXPECT_THROW(r.read_application(atom("nope"), "1"), layout_error);
}

TEST(ReleaseRoot, FindsVersionedModuleFilesFirst) {
  rel_test::temp_dir dir;
  make_root(dir.path());
  const release_root r(dir.path());
  EXPECT_EQ(r.find_module(atom("counter"), "1.0.0", atom("counter")),
            dir.path() / "lib/counter-1.0.0/modules/counter-1.0.0.so");
  EXPECT_EQ(r.find_module(atom("counter"), "1.0.0", atom("counter_store")),
            dir.path() / "lib/counter-1.0.0/modules/counter_store.so");
  write_file(dir.path() / "lib/counter-1.0.0/modules/counter.so", "unversioned");
  EXPECT_EQ(r.find_module(atom("counter"), "1.0.0", atom("counter")),
            dir.path() / "lib/counter-1.0.0/modules/counter-1.0.0.so");
  EXPECT_FALSE(r.find_module(atom("counter"), "1.0.0", atom("other")));
}

TEST(ReleaseRoot, FeedsThePlannerDirectly) {
  rel_test::temp_dir dir;
  make_root(dir.path());
  const release_root r(dir.path());
  const auto catalog = r.catalog({"1.0", "2.0"});
  const auto* c11 = catalog.find(atom("counter"), "1.1.0");
  ASSERT_NE(c11, nullptr);
  EXPECT_EQ(c11->modules, (std::vector<atom>{atom("counter"), atom("counter_store")}));
  EXPECT_TRUE(c11->appup);
  ASSERT_NE(catalog.find(atom("counter"), "1.0.0"), nullptr);
  EXPECT_NE(catalog.find(atom("kernel"), "8.5"), nullptr);

  const auto up = otp::appup::plan_upgrade(r.read_release("1.0"), r.read_release("2.0"), catalog);
  const std::string text = up.to_string();
  EXPECT_NE(text.find("{load_object_code,{counter,\"1.1.0\",[counter,counter_store]}}"), std::string::npos) << text;
  EXPECT_NE(text.find("point_of_no_return"), std::string::npos) << text;
  EXPECT_NE(text.find("{suspend,[counter]}"), std::string::npos) << text;
  const auto down = otp::appup::plan_downgrade(r.read_release("2.0"), r.read_release("1.0"), catalog);
  EXPECT_EQ(down.mode, otp::appup::change_mode::down);
  EXPECT_NE(down.to_string().find("{load_object_code,{counter,\"1.0.0\",[counter,counter_store]}}"), std::string::npos)
      << down.to_string();
}

TEST(ReleaseRoot, ChecksACompleteUnpackedRelease) {
  rel_test::temp_dir dir;
  make_root(dir.path());
  const release_root r(dir.path());
  const auto check = r.check_unpacked("2.0");
  EXPECT_TRUE(check.ok()) << (check.problems.empty() ? "" : check.problems[0]);
  ASSERT_EQ(check.files.size(), 3u);
  EXPECT_EQ(check.files[0].app, "kernel");
  EXPECT_EQ(check.files[0].path, "lib/kernel-8.5/modules/kernel_mod.so");
  EXPECT_EQ(check.files[0].sha256, otp::release::sha256_hex("kernel module bytes"));
  EXPECT_EQ(check.files[1].module, "counter");
  EXPECT_EQ(check.files[1].app_vsn, "1.1.0");
  EXPECT_EQ(check.files[1].path, "lib/counter-1.1.0/modules/counter-1.1.0.so");
  EXPECT_EQ(check.files[1].sha256, otp::release::sha256_hex("counter 1.1.0"));
  EXPECT_EQ(check.files[2].path, "lib/counter-1.1.0/modules/counter_store-1.1.0.so");
}

bool has_problem(const otp::release::unpack_check& c, const std::string& needle) {
  return std::any_of(c.problems.begin(), c.problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

TEST(ReleaseRoot, ReportsEveryProblemOfAnIncompleteRelease) {
  rel_test::temp_dir dir;
  make_root(dir.path());
  const release_root r(dir.path());
  std::filesystem::remove(dir.path() / "lib/counter-1.1.0/modules/counter_store-1.1.0.so");
  write_file(dir.path() / "lib/counter-1.1.0/counter.app.yaml", app_yaml("1.1.1", ", crypto"));
  write_file(dir.path() / "lib/counter-1.1.0/counter.appup.yaml", "vsn: \"1.1.0\"\nup: {}\n");
  write_file(dir.path() / "releases/3.0/other.rel.yaml",
             "name: myrel\nvsn: \"3.1\"\napplications:\n  - {name: missing_app, vsn: \"1\"}\n");
  const auto c = r.check_unpacked("2.0");
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(has_problem(c, "missing module file counter_store-1.1.0.so (or counter_store.so)"));
  EXPECT_TRUE(has_problem(c,
                          "counter.app.yaml:2:6: the application's vsn is '1.1.1' but it is in counter-1.1.0, "
                          "expected '1.1.0'"));
  EXPECT_TRUE(has_problem(c, "counter depends on crypto, which is not in the release"));
  EXPECT_TRUE(has_problem(c, "counter.appup.yaml:2:5: 'up' must be a list"));
  EXPECT_EQ(c.problems.size(), 4u);
  const auto c3 = r.check_unpacked("3.0");
  EXPECT_TRUE(has_problem(c3, "the release's vsn is '3.1' but it is in releases/3.0"));
  EXPECT_TRUE(has_problem(c3, "the release is named 'myrel', so its file must be myrel.rel.yaml"));
  EXPECT_TRUE(has_problem(c3, "application missing_app 1 does not exist: missing application directory"));
  const auto c4 = r.check_unpacked("4.0");
  EXPECT_TRUE(has_problem(c4, "no such release directory"));
  write_file(dir.path() / "releases/2.0/broken.rel.yaml", "name: x\n");
  EXPECT_TRUE(has_problem(r.check_unpacked("2.0"), "several release files"));
}

// A root where release 2.0's counter 1.1.0 lives outside the root, reached through a link.
struct linked_root {
  rel_test::temp_dir dir;
  std::filesystem::path root = dir.path() / "root";
  std::filesystem::path outside = dir.path() / "outside";
  linked_root() {
    make_root(root);
    std::filesystem::rename(root / "lib/counter-1.1.0", outside);
  }
};

TEST(ReleaseRoot, AnApplicationDirectoryThatIsALinkIsRefused) {
  linked_root r;
  std::filesystem::create_directory_symlink(r.outside, r.root / "lib/counter-1.1.0");
  const release_root root(r.root);
  const auto check = root.check_unpacked("2.0");
  EXPECT_TRUE(has_problem(check, (r.root / "lib/counter-1.1.0").string() +
                                     ": is a symbolic link; the files and directories of a release root must not be "
                                     "links"))
      << (check.problems.empty() ? "no problem" : check.problems[0]);
  EXPECT_TRUE(check.files.size() == 1u) << "only kernel's module was hashed";
  EXPECT_THROW(root.load("2.0"), layout_error);
  EXPECT_THROW(root.release_files("2.0"), layout_error) << "otpctl unpack sends nothing through a link";
  EXPECT_EQ(root.find_module(atom("counter"), "1.1.0", atom("counter")), std::nullopt);
  EXPECT_TRUE(root.check_unpacked("1.0").ok()) << "release 1.0 does not use it";
}

TEST(ReleaseRoot, AModuleFileOrAReleaseFileThatIsALinkIsRefused) {
  linked_root r;
  std::filesystem::create_directories(r.root / "lib/counter-1.1.0/modules");
  std::filesystem::copy_file(r.outside / "counter.app.yaml", r.root / "lib/counter-1.1.0/counter.app.yaml");
  std::filesystem::copy_file(r.outside / "modules/counter_store-1.1.0.so",
                             r.root / "lib/counter-1.1.0/modules/counter_store-1.1.0.so");
  std::filesystem::create_symlink(r.outside / "modules/counter-1.1.0.so",
                                  r.root / "lib/counter-1.1.0/modules/counter-1.1.0.so");
  const release_root root(r.root);
  EXPECT_EQ(root.find_module(atom("counter"), "1.1.0", atom("counter")), std::nullopt);
  const auto check = root.check_unpacked("2.0");
  EXPECT_TRUE(has_problem(check, "counter-1.1.0.so: is a symbolic link"))
      << (check.problems.empty() ? "no problem" : check.problems[0]);
  EXPECT_THROW(root.release_files("2.0"), layout_error);

  std::filesystem::rename(r.root / "releases/1.0/myrel.rel.yaml", r.outside / "myrel.rel.yaml");
  std::filesystem::create_symlink(r.outside / "myrel.rel.yaml", r.root / "releases/1.0/myrel.rel.yaml");
  EXPECT_TRUE(has_problem(root.check_unpacked("1.0"), "myrel.rel.yaml: is a symbolic link"));
  EXPECT_EQ(root.release_versions(), std::vector<std::string>{"2.0"}) << "a linked release is not listed";
}

TEST(ReleaseRoot, PathsOfNamesThatAreNotFileNamesAreRefused) {
  const release_root r("/opt/node");
  EXPECT_THROW(r.release_dir("../../etc"), layout_error);
  EXPECT_THROW(r.lib_dir(atom("../x"), "1.0"), layout_error);
  EXPECT_THROW(r.lib_dir(atom("x"), "1/../../.."), layout_error);
  EXPECT_EQ(r.find_module(atom("x"), "1.0", atom("../../../../tmp/evil")), std::nullopt);
  rel_test::temp_dir dir;
  make_root(dir.path());
  EXPECT_TRUE(has_problem(release_root(dir.path()).check_unpacked("../2.0"),
                          "the release version '../2.0' is not a plain file name: it contains '/'"));
}

}  // namespace
