// otpctl and release archives: `archive` writes one (and refuses an incomplete release, listing
// every problem); `plan` prints the relup script offline from archives or a root, and names what
// stops it; `unpack` sends an archive's release to a node, and refuses a broken archive before
// the node sees anything; `start --release` boots a node from an archive into a new root, and a
// hostile archive leaves no root behind. The counter example's archives are the build's
// (examples/counter/CMakeLists.txt, otp_add_release).
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "otp/release_archive.hpp"
#include "start_test_support.hpp"

namespace {

using namespace otpctl_node_test;

fs::path example_archive(const std::string& vsn) {
  return fs::path(OTP_EXAMPLE_ROOTS_DIR) / "counter" / ("counter-" + vsn + ".tar.gz");
}

const std::string counter_up =
    "%% relup up from \"1.0.0\" to \"1.1.0\"\n"
    "{load_object_code,{counter,\"1.1.0\",[counter]}}\n"
    "point_of_no_return\n"
    "{suspend,[counter]}\n"
    "{load,{counter,brutal_purge,brutal_purge}}\n"
    "{code_change,up,[{counter,[]}]}\n"
    "{resume,[counter]}\n";

// A copy of the counter example's whole root (releases 1.0.0 and 1.1.0) to break.
fs::path copy_of_example_root(const temp_dir& dir) {
  const fs::path root = dir.path() / "counter";
  fs::copy(example_counter_root(), root, fs::copy_options::recursive);
  return root;
}

// An archive whose one entry leaves the release root.
void write_hostile_archive(const fs::path& file) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, file.c_str());
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "lib/../../escaped");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 1);
  archive_write_header(a, e);
  archive_write_data(a, "x", 1);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
}

TEST(OtpctlArchive, WritesAReleaseOfARootAsAnArchiveThatReadsBack) {
  temp_dir dir("archive");
  const fs::path file = dir.path() / "c.tar.gz";
  const outcome r =
      otpctl({"archive", "--root", example_counter_root().string(), "--vsn", "1.1.0", "-o", file.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + file.string() + ": release counter 1.1.0\n");
  const auto read = otp::release::read_release_archive(file);
  EXPECT_EQ(read.name, "counter");
  EXPECT_EQ(read.vsn, "1.1.0");
  EXPECT_EQ(read.files.size(), 5u);  // rel file, SHA256SUMS, app file, appup, module
  // The build's archive of the same release is the same bytes.
  EXPECT_EQ(slurp(file), slurp(example_archive("1.1.0")));
}

TEST(OtpctlArchive, RefusesAnIncompleteReleaseListingEveryProblemAndWritesNothing) {
  temp_dir dir("archive");
  const fs::path root = copy_of_example_root(dir);
  fs::remove(root / "lib/counter-1.1.0/modules/counter.so");
  { std::ofstream(root / "lib/counter-1.1.0/counter.appup.yaml", std::ios::app) << "bogus: key\n"; }
  const fs::path file = dir.path() / "c.tar.gz";
  const outcome r = otpctl({"archive", "--root", root.string(), "--vsn", "1.1.0", "--output", file.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.err.starts_with("otpctl archive: release 1.1.0 of " + root.string() + " is not complete:\n")) << r.err;
  EXPECT_NE(r.err.find("\n  " + root.string() + "/lib/counter-1.1.0/counter.appup.yaml:"), std::string::npos) << r.err;
  // At the module's entry in the application file's 'modules'.
  EXPECT_NE(r.err.find("\n  " + root.string() + "/lib/counter-1.1.0/counter.app.yaml:5:11: " + root.string() +
                       "/lib/counter-1.1.0/modules: missing module file counter-1.1.0.so (or counter.so)\n"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file.string() + ".part"));
}

TEST(OtpctlArchive, NeedsARootAndAVersionWhenTheRootHoldsSeveral) {
  EXPECT_EQ(otpctl({"archive"}).code, 2);
  const outcome several = otpctl({"archive", "--root", example_counter_root().string()});
  EXPECT_EQ(several.code, 2);
  EXPECT_NE(several.err.find("holds releases 1.0.0, 1.1.0: pick one with --vsn"), std::string::npos) << several.err;
}

TEST(OtpctlPlan, PrintsTheScriptFromArchivesOrFromARootWithNoNode) {
  const outcome from_archives = otpctl({"plan", example_archive("1.0.0").string(), example_archive("1.1.0").string()});
  ASSERT_EQ(from_archives.code, 0) << from_archives.err;
  EXPECT_EQ(from_archives.out, counter_up);
  const outcome from_root = otpctl({"plan", example_counter_root().string(), "1.0.0", "1.1.0"});
  ASSERT_EQ(from_root.code, 0) << from_root.err;
  EXPECT_EQ(from_root.out, counter_up);
  const outcome down = otpctl({"plan", example_counter_root().string(), "1.1.0", "1.0.0"});
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_TRUE(down.out.starts_with("%% relup down from \"1.1.0\" to \"1.0.0\"\n")) << down.out;
  EXPECT_NE(down.out.find("{code_change,down,[{counter,[]}]}"), std::string::npos) << down.out;
}

TEST(OtpctlPlan, NamesWhatStopsIt) {
  temp_dir dir("plan");
  const fs::path root = copy_of_example_root(dir);
  const std::string r = root.string();
  // An appup that does not know the running version.
  {
    std::ofstream appup(root / "lib/counter-1.1.0/counter.appup.yaml", std::ios::trunc);
    appup << "vsn: \"1.1.0\"\nup:\n  - from: \"0.9.0\"\n    instructions: []\ndown: []\n";
  }
  const outcome no_path = otpctl({"plan", r, "1.0.0", "1.1.0"});
  EXPECT_EQ(no_path.code, 1);
  EXPECT_TRUE(no_path.err.starts_with("otpctl plan: no upgrade path from 1.0.0 to 1.1.0: ")) << no_path.err;
  EXPECT_NE(no_path.err.find("1.0.0"), std::string::npos) << no_path.err;

  const outcome unknown = otpctl({"plan", r, "1.0.0", "2.0.0"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err, "otpctl plan: " + r + " holds no release 2.0.0 (it holds 1.0.0, 1.1.0)\n");

  const outcome same = otpctl({"plan", example_archive("1.0.0").string(), example_archive("1.0.0").string()});
  EXPECT_EQ(same.code, 1);
  EXPECT_EQ(same.err, "otpctl plan: FROM and TO are both release 1.0.0: nothing to plan\n");

  const outcome ambiguous = otpctl({"plan", r, example_archive("1.1.0").string()});
  EXPECT_EQ(ambiguous.code, 2);
  EXPECT_NE(ambiguous.err.find("holds releases 1.0.0, 1.1.0: pick one with 'otpctl plan ROOT FROM_VSN TO_VSN'"),
            std::string::npos)
      << ambiguous.err;

  const fs::path hostile = dir.path() / "hostile.tar.gz";
  write_hostile_archive(hostile);
  const outcome broken = otpctl({"plan", hostile.string(), example_archive("1.1.0").string()});
  EXPECT_EQ(broken.code, 1);
  EXPECT_EQ(broken.err,
            "otpctl plan: " + hostile.string() + ": entry 'lib/../../escaped' leaves the release root ('..')\n");

  EXPECT_EQ(otpctl({"plan", r}).code, 2);
}

TEST(OtpctlUnpack, SendsAnArchivesReleaseToANode) {
  counter_root root;
  test_node node(root);
  const outcome r = otpctl_at(node, "unpack", {example_archive("1.1.0").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "unpacked release 1.1.0 on node " + node.name() + "\n");
  EXPECT_TRUE(fs::exists(root.root() / "lib/counter-1.1.0/modules/counter.so"));
  const outcome dry = otpctl_at(node, "relup", {"1.1.0", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  // The node plans what `otpctl plan` planned offline.
  EXPECT_TRUE(dry.out.ends_with(counter_up)) << dry.out;
}

TEST(OtpctlUnpack, RefusesABrokenArchiveBeforeTheNodeSeesIt) {
  counter_root root;
  test_node node(root);
  temp_dir dir("unpack");
  const fs::path hostile = dir.path() / "hostile.tar.gz";
  write_hostile_archive(hostile);
  const outcome r = otpctl_at(node, "unpack", {hostile.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "otpctl unpack: " + hostile.string() + ": entry 'lib/../../escaped' leaves the release root ('..')\n");
  EXPECT_FALSE(fs::exists(root.root() / "lib/counter-1.1.0"));
  EXPECT_FALSE(fs::exists(dir.path().parent_path() / "escaped"));
}

TEST(OtpctlStartFromArchive, BootsANodeFromAnArchiveIntoANewRoot) {
  temp_dir dir("start");
  const fs::path node_root = dir.path() / "node";
  const std::string name = otp::start_test::unique_node("arch");
  otp::start_test::foreground_otpctl node({"start", "--name", name, "--cookie", cookie, "--release",
                                           example_archive("1.0.0").string(), "--root", node_root.string()});
  const auto up = node.line_with("is running release");
  ASSERT_TRUE(up.has_value());
  EXPECT_NE(up->find("node " + name + " is running release counter 1.0.0"), std::string::npos) << *up;
  EXPECT_TRUE(fs::exists(node_root / "releases/1.0.0/SHA256SUMS"));
  const outcome stopped = otpctl({"stop", "--node", name, "--cookie", cookie});
  EXPECT_EQ(stopped.code, 0) << stopped.err;
}

TEST(OtpctlStartFromArchive, AHostileArchiveLeavesNoRootBehind) {
  temp_dir dir("start");
  const fs::path hostile = dir.path() / "hostile.tar.gz";
  write_hostile_archive(hostile);
  const fs::path node_root = dir.path() / "node";
  const outcome r = otpctl({"start", "--name", otp::start_test::unique_node("arch"), "--cookie", cookie, "--release",
                            hostile.string(), "--root", node_root.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "otpctl start: " + hostile.string() + ": entry 'lib/../../escaped' leaves the release root ('..')\n");
  EXPECT_FALSE(fs::exists(node_root));
}

}  // namespace
