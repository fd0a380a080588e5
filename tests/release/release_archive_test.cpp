// Release archives: a release written and read back whole, extracted into a root that checks as
// unpacked, and every hostile archive refused (paths leaving the root, links, devices, sizes,
// checksums, shapes) with a message naming the entry and nothing written; an extraction that fails
// half-way removes what it wrote.
#include "otp/release_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "otp/sha256.hpp"
#include "release_test_support.hpp"

namespace {

namespace fs = std::filesystem;
using otp::release::archive_error;
using otp::release::archive_limits;
using otp::release::extract_release_archive;
using otp::release::read_release_archive;
using otp::release::release_root;
using otp::release::write_release_archive;
using rel_test::write_file;

// A root with releases 1.0 and 2.0 of myrel (counter 1.0.0 and 1.1.0, a library kernel 8.5).
void make_root(const fs::path& root) {
  write_file(root / "releases/1.0/myrel.rel.yaml",
             "name: myrel\nvsn: \"1.0\"\napplications:\n  - {name: kernel, vsn: \"8.5\"}\n"
             "  - {name: counter, vsn: \"1.0.0\"}\n");
  write_file(root / "releases/2.0/myrel.rel.yaml",
             "name: myrel\nvsn: \"2.0\"\napplications:\n  - {name: kernel, vsn: \"8.5\"}\n"
             "  - {name: counter, vsn: \"1.1.0\"}\n");
  write_file(root / "lib/kernel-8.5/kernel.app.yaml", "name: kernel\nvsn: \"8.5\"\nmodules: [kernel_mod]\n");
  write_file(root / "lib/kernel-8.5/modules/kernel_mod.so", "kernel module bytes");
  for (const std::string vsn : {"1.0.0", "1.1.0"}) {
    write_file(root / ("lib/counter-" + vsn + "/counter.app.yaml"),
               "name: counter\nvsn: \"" + vsn + "\"\nmodules: [counter]\napplications: [kernel]\n");
    write_file(root / ("lib/counter-" + vsn + "/modules/counter.so"), "counter " + vsn);
  }
  write_file(root / "lib/counter-1.1.0/counter.appup.yaml",
             "vsn: \"1.1.0\"\nup:\n  - from: \"1.0.0\"\n    instructions:\n      - load_module: counter\n"
             "down:\n  - to: \"1.0.0\"\n    instructions:\n      - load_module: counter\n");
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

std::vector<std::string> paths_of(const otp::release::release_archive& r) {
  std::vector<std::string> out;
  for (const auto& f : r.files) out.push_back(f.path.generic_string());
  return out;
}

// Every path under `dir`, relative to it, sorted.
std::vector<std::string> tree_of(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(e.path().lexically_relative(dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// One entry of a hand-made archive.
struct entry {
  entry(std::string path_, std::string bytes_, mode_t type_ = AE_IFREG, std::string link_ = {}, bool hardlink_ = false)
      : path(std::move(path_)), bytes(std::move(bytes_)), type(type_), link(std::move(link_)), hardlink(hardlink_) {}
  std::string path;
  std::string bytes;
  mode_t type;
  std::string link;  // symlink target, or the hard link's target path
  bool hardlink;
};

// The checksum file's line for a file.
std::string sum_line(const std::string& path, const std::string& bytes) {
  return otp::release::sha256_hex(bytes) + "  " + path + "\n";
}

// A .tar.gz of `entries`, written with libarchive as an attacker could.
void write_tar(const fs::path& file, const std::vector<entry>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, file.c_str()), ARCHIVE_OK);
  for (const entry& e : entries) {
    archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_filetype(ae, e.type);
    archive_entry_set_perm(ae, 0644);
    if (e.type == AE_IFLNK) archive_entry_set_symlink(ae, e.link.c_str());
    if (e.hardlink) archive_entry_set_hardlink(ae, e.link.c_str());
    if (e.type == AE_IFCHR) archive_entry_set_rdev(ae, 0x0103);
    archive_entry_set_size(ae, static_cast<la_int64_t>(e.bytes.size()));
    EXPECT_GE(archive_write_header(a, ae), ARCHIVE_WARN) << e.path << ": " << archive_error_string(a);
    if (!e.bytes.empty()) archive_write_data(a, e.bytes.data(), e.bytes.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
}

const std::string rel_path = "releases/1.0/myrel.rel.yaml";
const std::string rel_text = "name: myrel\nvsn: \"1.0\"\napplications: []\n";
const std::string sums_path = "releases/1.0/SHA256SUMS";

// A valid minimal archive's entries plus `extra` (listed in the checksums when `listed`).
std::vector<entry> release_with(const std::vector<entry>& extra, bool listed = true) {
  std::string sums = sum_line(rel_path, rel_text);
  if (listed)
    for (const entry& e : extra)
      if (e.type == AE_IFREG && !e.hardlink) sums += sum_line(e.path, e.bytes);
  std::vector<entry> out{{rel_path, rel_text}, {sums_path, sums}};
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

class ReleaseArchive : public ::testing::Test {
 protected:
  rel_test::temp_dir tmp_;
  fs::path archive_ = tmp_.path() / "test.tar.gz";
  fs::path dest_ = tmp_.path() / "dest";

  // Extracting the archive fails with a message containing `needle`, and writes nothing.
  void expect_refused(const std::string& needle, const archive_limits& limits = {}) {
    try {
      extract_release_archive(archive_, dest_, limits);
      ADD_FAILURE() << "no archive_error (expected '" << needle << "')";
    } catch (const archive_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(archive_.string()), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dest_)) << "something was written";
  }
};

TEST_F(ReleaseArchive, HoldsOneReleaseWithItsApplicationsAndChecksums) {
  const fs::path root = tmp_.path() / "root";
  make_root(root);
  write_release_archive(release_root(root), "2.0", archive_);
  const auto read = read_release_archive(archive_);
  EXPECT_EQ(read.name, "myrel");
  EXPECT_EQ(read.vsn, "2.0");
  EXPECT_EQ(paths_of(read),
            (std::vector<std::string>{"lib/counter-1.1.0/counter.app.yaml", "lib/counter-1.1.0/counter.appup.yaml",
                                      "lib/counter-1.1.0/modules/counter.so", "lib/kernel-8.5/kernel.app.yaml",
                                      "lib/kernel-8.5/modules/kernel_mod.so", "releases/2.0/SHA256SUMS",
                                      "releases/2.0/myrel.rel.yaml"}));
  for (const auto& f : read.files)
    if (f.path.filename() != "SHA256SUMS") {
      EXPECT_EQ(f.bytes, read_bytes(root / f.path)) << f.path;
    }
  const auto sums = std::find_if(read.files.begin(), read.files.end(),
                                 [](const auto& f) { return f.path.filename() == "SHA256SUMS"; });
  EXPECT_NE(sums->bytes.find(sum_line("lib/counter-1.1.0/modules/counter.so", "counter 1.1.0")), std::string::npos)
      << sums->bytes;
}

TEST_F(ReleaseArchive, IsTheSameBytesEachTimeItIsWritten) {
  const fs::path root = tmp_.path() / "root";
  make_root(root);
  write_release_archive(release_root(root), "1.0", archive_);
  const fs::path again = tmp_.path() / "again.tar.gz";
  write_release_archive(release_root(root), "1.0", again);
  EXPECT_EQ(read_bytes(archive_), read_bytes(again));
}

TEST_F(ReleaseArchive, ExtractsIntoARootThatChecksAsUnpackedAndAgainIntoTheSameRoot) {
  const fs::path root = tmp_.path() / "root";
  make_root(root);
  write_release_archive(release_root(root), "1.0", archive_);
  const auto read = extract_release_archive(archive_, dest_);
  EXPECT_EQ(read.vsn, "1.0");
  const release_root extracted(dest_);
  EXPECT_EQ(extracted.release_versions(), std::vector<std::string>{"1.0"});
  const auto check = extracted.check_unpacked("1.0");
  EXPECT_TRUE(check.ok()) << (check.problems.empty() ? "" : check.problems.front());
  // The same archive again: every file is there with the same bytes, nothing to do.
  EXPECT_NO_THROW(extract_release_archive(archive_, dest_));
  // Its root re-archived: the same archive (the old checksum file is not archived as a file).
  const fs::path again = tmp_.path() / "again.tar.gz";
  write_release_archive(extracted, "1.0", again);
  EXPECT_EQ(read_bytes(archive_), read_bytes(again));
}

TEST_F(ReleaseArchive, ARootWhereAFileDiffersIsRefusedAndKeptAsItWas) {
  const fs::path root = tmp_.path() / "root";
  make_root(root);
  write_release_archive(release_root(root), "2.0", archive_);
  write_file(dest_ / "lib/kernel-8.5/kernel.app.yaml", "something else\n");
  try {
    extract_release_archive(archive_, dest_);
    ADD_FAILURE() << "no archive_error";
  } catch (const archive_error& e) {
    EXPECT_NE(std::string(e.what()).find("kernel.app.yaml exists and differs"), std::string::npos) << e.what();
  }
  EXPECT_EQ(tree_of(dest_), (std::vector<std::string>{"lib", "lib/kernel-8.5", "lib/kernel-8.5/kernel.app.yaml"}));
}

TEST_F(ReleaseArchive, AnExtractionThatFailsHalfWayRemovesWhatItWrote) {
  const fs::path root = tmp_.path() / "root";
  make_root(root);
  write_release_archive(release_root(root), "2.0", archive_);
  write_file(dest_ / "releases", "a file where the releases directory should be");  // lib/ is written first
  EXPECT_THROW(extract_release_archive(archive_, dest_), archive_error);
  EXPECT_EQ(tree_of(dest_), std::vector<std::string>{"releases"});
}

TEST_F(ReleaseArchive, RefusesAnAbsolutePath) {
  write_tar(archive_, release_with({{"/tmp/evil.so", "x"}}));
  expect_refused("entry '/tmp/evil.so' has an absolute path");
}

TEST_F(ReleaseArchive, RefusesAPathLeavingTheRoot) {
  write_tar(archive_, release_with({{"lib/../../evil.so", "x"}}));
  expect_refused("entry 'lib/../../evil.so' leaves the release root ('..')");
}

TEST_F(ReleaseArchive, RefusesAPathOutsideReleasesAndLib) {
  write_tar(archive_, release_with({{"etc/passwd", "x"}}));
  expect_refused("entry 'etc/passwd' is neither under releases/ nor under lib/");
}

TEST_F(ReleaseArchive, RefusesASymbolicLink) {
  write_tar(archive_, release_with({{"lib/a-1/modules/a.so", "", AE_IFLNK, "/etc/passwd"}}));
  expect_refused("entry 'lib/a-1/modules/a.so' is a symbolic link");
}

TEST_F(ReleaseArchive, RefusesAHardLink) {
  write_tar(archive_, release_with({{"lib/a-1/modules/a.so", "", AE_IFREG, rel_path, true}}));
  expect_refused("entry 'lib/a-1/modules/a.so' is a hard link");
}

TEST_F(ReleaseArchive, RefusesADevice) {
  write_tar(archive_, release_with({{"lib/a-1/tty", "", AE_IFCHR}}));
  expect_refused("entry 'lib/a-1/tty' is a character device");
}

TEST_F(ReleaseArchive, RefusesAFileLargerThanTheLimit) {
  write_tar(archive_, release_with({{"lib/a-1/modules/a.so", std::string(5000, 'x')}}));
  expect_refused("entry 'lib/a-1/modules/a.so' is larger than 4096 bytes", {.max_file_bytes = 4096});
}

TEST_F(ReleaseArchive, RefusesMoreBytesThanTheLimitInAll) {
  write_tar(archive_, release_with({{"lib/a-1/modules/a.so", std::string(3000, 'x')},
                                    {"lib/a-1/modules/b.so", std::string(3000, 'y')}}));
  expect_refused("its files hold more than 5000 bytes", {.max_total_bytes = 5000});
}

TEST_F(ReleaseArchive, RefusesMoreEntriesThanTheLimit) {
  write_tar(archive_, release_with({{"lib/a-1/a", "1"}, {"lib/a-1/b", "2"}, {"lib/a-1/c", "3"}}));
  expect_refused("more than 4 entries", {.max_entries = 4});
}

TEST_F(ReleaseArchive, RefusesAFileWhoseChecksumDiffers) {
  auto entries = release_with({{"lib/a-1/modules/a.so", "the bytes checksummed"}});
  entries.back().bytes = "the bytes changed";
  write_tar(archive_, entries);
  expect_refused("entry 'lib/a-1/modules/a.so': checksum mismatch");
}

TEST_F(ReleaseArchive, RefusesAFileTheChecksumsDoNotList) {
  write_tar(archive_, release_with({{"lib/a-1/modules/a.so", "x"}}, false));
  expect_refused("entry 'lib/a-1/modules/a.so' is not in releases/1.0/SHA256SUMS");
}

TEST_F(ReleaseArchive, RefusesAListedFileThatIsMissing) {
  auto entries = release_with({{"lib/a-1/modules/a.so", "x"}});
  entries.pop_back();
  write_tar(archive_, entries);
  expect_refused("releases/1.0/SHA256SUMS lists 'lib/a-1/modules/a.so', which the archive does not hold");
}

TEST_F(ReleaseArchive, RefusesAnArchiveWithoutChecksums) {
  write_tar(archive_, {{rel_path, rel_text}});
  expect_refused("it has no checksums (releases/1.0/SHA256SUMS)");
}

TEST_F(ReleaseArchive, RefusesTwoReleases) {
  write_tar(archive_, release_with({{"releases/2.0/myrel.rel.yaml", rel_text}}));
  expect_refused("it holds more than one release (1.0 and 2.0)");
}

TEST_F(ReleaseArchive, RefusesWhatIsNotATarGz) {
  write_file(archive_, "not an archive at all");
  expect_refused("not a readable .tar.gz");
}

TEST_F(ReleaseArchive, ATemporaryReleaseIsGoneWithItsOwner) {
  const fs::path root = tmp_.path() / "root";
  make_root(root);
  write_release_archive(release_root(root), "2.0", archive_);
  fs::path where;
  {
    const otp::release::temporary_release extracted(archive_);
    where = extracted.root().root();
    EXPECT_EQ(extracted.vsn(), "2.0");
    EXPECT_EQ(extracted.name(), "myrel");
    EXPECT_TRUE(extracted.root().check_unpacked("2.0").ok());
  }
  EXPECT_FALSE(fs::exists(where));
}

}  // namespace
