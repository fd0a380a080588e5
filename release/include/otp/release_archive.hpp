// otp::release release archives — one release of a release root as a single .tar.gz file, the way
// a release is shipped (relx's `<rel>-<vsn>.tar.gz`; docs/first-release.md).
//
// An archive holds release <vsn> as it sits in a release root (release_root.hpp): every file under
// releases/<vsn>/ and under lib/<app>-<vsn>/ of each of its applications, plus
// releases/<vsn>/SHA256SUMS, one line "<sha256 hex>  <path>" per other file (sha256sum's format,
// so `sha256sum -c releases/<vsn>/SHA256SUMS` checks a root it was unpacked into). Archives are
// written and read with libarchive (gzip-compressed POSIX tar); a written archive is reproducible:
// sorted entries, no timestamps.
//
// Reading treats the archive as hostile and accepts nothing it cannot keep inside its destination:
// only regular files (and directory entries, which are ignored) whose relative paths start with
// releases/ or lib/, with no absolute path, no `..`, no empty or `.` component; no symlink, hard
// link, device or FIFO; at most `archive_limits` entries and bytes (counted as the data is read,
// whatever the headers claim); exactly one release under releases/; every file listed in
// SHA256SUMS with a matching checksum and every listed file present. Any breach is an
// archive_error naming the archive, the entry and the rule, and nothing has been written.
//
// Ownership and thread-safety: free functions of their arguments, callable from any thread; a
// temporary_release owns its directory and removes it when destroyed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/release_root.hpp"

namespace otp::release {

class archive_error : public std::runtime_error {
 public:
  archive_error(const std::filesystem::path& archive, const std::string& message)
      : std::runtime_error(archive.string() + ": " + message) {}
};

// The name of the checksum file in releases/<vsn>/.
inline constexpr const char* archive_checksums_name = "SHA256SUMS";

// Bounds on what reading an archive accepts.
struct archive_limits {
  std::size_t max_entries = 4096;
  std::uint64_t max_file_bytes = std::uint64_t{256} << 20;  // one file
  std::uint64_t max_total_bytes = std::uint64_t{1} << 30;   // all files together
};

struct archive_file {
  std::filesystem::path path;  // relative, e.g. lib/kv-1.0.0/modules/kv_store.so
  std::string bytes;
};

// A release read from an archive, its checksums verified.
struct release_archive {
  std::string name;                 // the release's name: releases/<vsn>/<name>.rel.yaml
  std::string vsn;                  // its version
  std::vector<archive_file> files;  // every file, SHA256SUMS included, sorted by path
};

// Writes release `vsn` of `root` (release_root::release_files, with a fresh SHA256SUMS in place
// of any old one) to `archive`, through a temporary file renamed at the end: a failed write leaves
// no archive behind. Throws layout_error / yaml_error when the release cannot be read,
// archive_error when the archive cannot be written. It does not check the release: see
// release_root::check_unpacked.
void write_release_archive(const release_root& root, const std::string& vsn, const std::filesystem::path& archive);

// Reads and verifies an archive (the rules above). Throws archive_error.
release_archive read_release_archive(const std::filesystem::path& archive, const archive_limits& limits = {});

// Reads `archive` and writes its files into the release root `root` (created if missing). A file
// already there with the same bytes is kept; one that differs is refused before anything is
// written. On any failure every file and directory this call created is removed again. Returns
// what it read (name, vsn, files). Throws archive_error.
release_archive extract_release_archive(const std::filesystem::path& archive, const std::filesystem::path& root,
                                        const archive_limits& limits = {});

// An archive extracted into a new temporary directory, as a release root holding its one release
// (what `otpctl unpack` and `otpctl plan` work from). The directory is removed on destruction.
class temporary_release {
 public:
  explicit temporary_release(const std::filesystem::path& archive, const archive_limits& limits = {});
  ~temporary_release();
  temporary_release(const temporary_release&) = delete;
  temporary_release& operator=(const temporary_release&) = delete;

  const release_root& root() const { return root_; }
  const std::string& name() const { return name_; }
  const std::string& vsn() const { return vsn_; }

 private:
  std::filesystem::path dir_;
  release_root root_;
  std::string name_, vsn_;
};

}  // namespace otp::release
