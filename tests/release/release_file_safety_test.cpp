// Nothing outside a release root is ever opened by the release handler: a crafted release sent as
// files (an application listing a module named ../../../../<elsewhere>/evil) is refused before
// anything is written; a release whose application directory is a link to elsewhere is not
// unpacked; a link swapped in after the unpack is not loaded. "Not opened" is checked with a
// library whose constructor leaves a marker file (tests/release/modules/opened_marker.cpp). And the
// private copies of loaded modules that a node killed with SIGKILL leaves in TMPDIR are removed by
// the next node that loads a module.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "../support/child_process.hpp"
#include "otp/release_handler.hpp"
#include "otp/release_root.hpp"
#include "otp/sha256.hpp"
#include "otp/term_text.hpp"
#include "release_test_support.hpp"
#include "seq_release_fixture.hpp"

namespace {

using namespace rel_test;
using namespace std::chrono_literals;

// The marker opened_marker.so leaves when this process opens it.
fs::path opened_marker() { return fs::path(OTP_OPENED_MARKER_DIR) / ("opened-" + std::to_string(::getpid())); }

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ReleaseFileSafety : public seq_release_test {
 protected:
  void SetUp() override {
    seq_release_test::SetUp();
    fs::remove(opened_marker());
  }
  void TearDown() override {
    seq_release_test::TearDown();
    EXPECT_FALSE(fs::exists(opened_marker())) << "a library outside the release root was opened";
    fs::remove(opened_marker());
  }

  // lib/seqapp-1.1.0 moved out of the root, with the marker library as its seq_a module.
  fs::path move_1_1_0_outside() {
    const fs::path moved = outside_.path() / "seqapp-1.1.0";
    fs::rename(lib("1.1.0"), moved);
    fs::copy_file(OTP_OPENED_MARKER, moved / "modules" / "seq_a.so", fs::copy_options::overwrite_existing);
    return moved;
  }

  rel_test::temp_dir outside_;
};

TEST_F(ReleaseFileSafety, ACraftedReleaseSentAsFilesIsRefusedBeforeAnythingIsWritten) {
  rel_test::temp_dir node_root;
  for (const auto& p : {fs::path("releases") / "1.0.0", fs::path("lib") / "seqapp-1.0.0"}) {
    fs::create_directories(node_root.path() / p);
    fs::copy(root() / p, node_root.path() / p, fs::copy_options::recursive);
  }
  // ../../../../<outside>/evil from lib/seqapp-1.1.0/modules/ of the node's root is <outside>/evil.so.
  fs::copy_file(OTP_OPENED_MARKER, outside_.path() / "evil.so");
  const std::string evil = "../../../../" + outside_.path().filename().string() + "/evil";
  ASSERT_EQ((node_root.path() / "lib/seqapp-1.1.0/modules" / (evil + ".so")).lexically_normal(),
            outside_.path() / "evil.so");
  std::vector<term> files;
  for (const fs::path& relative : otp::release::release_root(root()).release_files("1.1.0")) {
    std::string bytes = slurp(root() / relative);
    if (relative.filename() == "seqapp.app.yaml")
      bytes.replace(bytes.find("modules: [seq_a, seq_b]"), 23, "modules: [seq_a, seq_b, \"" + evil + "\"]");
    if (relative.filename() == "seqapp.appup.yaml")
      bytes.replace(bytes.find("    instructions:\n"), 18, "    instructions:\n      - add_module: \"" + evil + "\"\n");
    files.push_back(tuple(binary(relative.string()), binary(bytes), binary(otp::release::sha256_hex(bytes))));
  }
  auto options = this->options();
  options.root = node_root.path();
  rt_.run([&] {
    start(options);
    const term r =
        otp::gen_server::call(rh::registered_name, tuple(atom("unpack"), binary("1.1.0"), term::make_list(files)));
    EXPECT_TRUE(r.is_tuple(2) && r[1].is_tuple(3) && r[1][0].is_atom(atom("bad_release"))) << r;
    EXPECT_NE(
        r.to_string().find("each entry of 'modules' must be a plain file name, got '" + evil + "': it contains '/'"),
        std::string::npos)
        << r;
    EXPECT_EQ(rh::install("1.1.0"), otp::parse_term("{error,{unknown_release,<<\"1.1.0\">>}}"));
    stop();
  });
  EXPECT_FALSE(fs::exists(node_root.path() / "releases/1.1.0")) << "nothing written";
  EXPECT_FALSE(fs::exists(node_root.path() / "lib/seqapp-1.1.0"));
}

TEST_F(ReleaseFileSafety, ASentFileIsNeverWrittenThroughALinkInTheRoot) {
  rel_test::temp_dir node_root;
  for (const auto& p : {fs::path("releases") / "1.0.0", fs::path("lib") / "seqapp-1.0.0"}) {
    fs::create_directories(node_root.path() / p);
    fs::copy(root() / p, node_root.path() / p, fs::copy_options::recursive);
  }
  fs::create_directory_symlink(outside_.path(), node_root.path() / "lib/seqapp-1.1.0");
  auto options = this->options();
  options.root = node_root.path();
  rt_.run([&] {
    start(options);
    const term r = rh::unpack_from(otp::release::release_root(root()), "1.1.0");
    ASSERT_TRUE(r.is_tuple(2) && r[1].is_tuple(3) && r[1][0].is_atom(atom("bad_path"))) << r;
    EXPECT_EQ(r[1][2], binary((node_root.path() / "lib/seqapp-1.1.0").string() +
                              ": is a symbolic link; the files and directories of a release root must not be links"));
    stop();
  });
  EXPECT_TRUE(fs::is_empty(outside_.path())) << "nothing written through the link";
  EXPECT_FALSE(fs::exists(node_root.path() / "releases/1.1.0"));
  const otp::release::release_root here(node_root.path());
  EXPECT_EQ(here.incoming_path_problem("lib/../../x"), "its part '..' is not a plain file name: it contains '..'");
  EXPECT_EQ(here.incoming_path_problem("/etc/passwd"), "an absolute path");
  EXPECT_EQ(here.incoming_path_problem("bin/x"), "not a file of releases/<vsn>/ or lib/<app>-<vsn>/");
  EXPECT_EQ(here.incoming_path_problem("lib/seqapp-1.2.0/seqapp.app.yaml"), std::nullopt);
}

TEST_F(ReleaseFileSafety, AnApplicationDirectoryLinkedOutsideTheRootIsNotUnpackedNorLoaded) {
  const fs::path moved = move_1_1_0_outside();
  fs::create_directory_symlink(moved, lib("1.1.0"));
  rt_.run([&] {
    start(options());
    const term r = rh::unpack("1.1.0");
    EXPECT_TRUE(r.is_tuple(2) && r[1].is_tuple(3) && r[1][0].is_atom(atom("bad_release"))) << r;
    EXPECT_NE(r.to_string().find("is a symbolic link"), std::string::npos) << r;
    EXPECT_EQ(rh::install("1.1.0")[0], atom("error"));
    EXPECT_EQ(vsn_of(child("a")), binary("1"));
    stop();
  });
}

TEST_F(ReleaseFileSafety, ALinkSwappedInAfterTheUnpackIsNotLoaded) {
  rt_.run([&] {
    start(options());
    ASSERT_EQ(rh::unpack("1.1.0"), tuple(atom("ok"), binary("1.1.0")));
    // The same files, but outside, reached through a link; the module's bytes are the marker's.
    const fs::path moved = move_1_1_0_outside();
    fs::create_directory_symlink(moved, lib("1.1.0"));
    const term r = rh::install("1.1.0");
    ASSERT_EQ(r[0], atom("error")) << r;
    EXPECT_NE(r.to_string().find("is a symbolic link"), std::string::npos) << r;
    EXPECT_EQ(vsn_of(child("a")), binary("1")) << "still running 1.0.0";
    EXPECT_EQ(rh::install("1.1.0"), r) << "refused again, not left pending";
    stop();
  });
}

// --- the private copies of loaded modules ----------------------------------------------------------

std::vector<fs::path> copies_of(const fs::path& tmp, pid_t pid) {
  std::vector<fs::path> found;
  const std::string prefix = "otp-cpp-modules-" + std::to_string(pid) + "-";
  for (const auto& e : fs::directory_iterator(tmp))
    if (e.path().filename().string().starts_with(prefix)) found.push_back(e.path());
  return found;
}

TEST_F(ReleaseFileSafety, TheModuleCopiesOfANodeKilledWithSigkillGoAtTheNextBoot) {
  lay_out({.b_extra = "{sleep, 60000}"});  // the install hangs in b's code_change: the node waits to be killed
  rel_test::temp_dir tmp;
  const std::vector<std::string> node{"/usr/bin/env", "TMPDIR=" + tmp.path().string(), OTP_TEST_HANDLER_NODE,
                                      root().string(), "1.1.0"};
  pid_t killed = -1;
  {
    otp::test::child_process first(node);
    first.expect_line("{load,{seq_a", 20s);
    killed = first.pid();
    ASSERT_EQ(copies_of(tmp.path(), killed).size(), 1u);
  }
  ASSERT_EQ(copies_of(tmp.path(), killed).size(), 1u) << "SIGKILL leaves it behind";
  // Left alone: a live process's directory, another user's, and a link named like a stale one.
  std::string stat_line;
  std::getline(std::ifstream("/proc/self/stat"), stat_line);
  std::istringstream fields(stat_line.substr(stat_line.rfind(") ") + 2));
  std::string start_time;
  for (int i = 3; i <= 22; ++i) fields >> start_time;
  const fs::path live = tmp.path() / ("otp-cpp-modules-" + std::to_string(::getpid()) + "-" + start_time + "-live");
  const fs::path others = tmp.path() / ("otp-cpp-modules-" + std::to_string(killed) + "-1-others");
  const fs::path link = tmp.path() / ("otp-cpp-modules-" + std::to_string(killed) + "-1-link");
  fs::create_directory(live);
  fs::create_directory(others);
  const bool can_give_away = ::geteuid() == 0 && ::chown(others.c_str(), 65534, 65534) == 0;
  fs::create_directory_symlink(outside_.path(), link);
  {
    otp::test::child_process second(node);
    second.expect_line("{load,{seq_a", 20s);
    EXPECT_EQ(copies_of(tmp.path(), second.pid()).size(), 1u);
  }
  EXPECT_TRUE(fs::exists(live));
  if (can_give_away) {
    EXPECT_TRUE(fs::exists(others)) << "another user's";
  }
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::exists(outside_.path())) << "a link is never followed";
  std::vector<fs::path> of_killed = copies_of(tmp.path(), killed);
  std::erase_if(of_killed, [&](const fs::path& p) { return p == others || p == link; });
  EXPECT_TRUE(of_killed.empty()) << "the killed node's copies are gone: " << of_killed.front();
}

}  // namespace
