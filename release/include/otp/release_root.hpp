// otp::release::release_root — a release root on disk, laid out as OTP's (docs/release-files.md):
//
//   <root>/releases/<vsn>/<name>.rel.yaml          the release file of release <vsn>
//   <root>/lib/<app>-<vsn>/<app>.app.yaml          an application version's application file
//   <root>/lib/<app>-<vsn>/<app>.appup.yaml        its appup (optional)
//   <root>/lib/<app>-<vsn>/modules/<module>-<vsn>.so  or  modules/<module>.so   its modules
//
// The loader lists the releases, reads a release and its applications, builds the relup
// planner's inputs (otp::appup::release and app_catalog), finds module files, and checks an
// unpacked release: every file present and consistent, the sha256 of every module file recorded
// (as otp::release::module_file_record, ready for release_history::record_unpack).
//
// Errors: files that do not parse throw otp::appup::yaml_error; a missing release or application
// directory throws layout_error naming the path. check_unpacked never throws for problems in the
// release: it lists them.
//
// Nothing outside the root is ever read: every application name, module name and version that
// goes into a path must be a plain file name (otp/file_name.hpp; the parsers check them, the
// path functions below check them again and throw layout_error), and no file or directory below
// the root may be a symbolic link (refused with a layout_error, or by find_module as no file).
// The root directory itself may be a link.
//
// A release sent as files (by another node or by otpctl) is checked and written below the root by
// write_incoming, which takes every path it writes through the same rules.
//
// Ownership and thread-safety: a release_root holds only its path; its methods read the disk (and
// write_incoming and remove_written write below the root) and may be called from several threads,
// but two writes of the same release must not run at once (the release handler serialises them).
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otp/application_file.hpp"
#include "otp/appup.hpp"
#include "otp/release_history.hpp"
#include "otp/relup.hpp"
#include "otp/term.hpp"

namespace otp::release {

class layout_error : public std::runtime_error {
 public:
  layout_error(const std::filesystem::path& path, const std::string& message)
      : std::runtime_error(path.string() + ": " + message), path_(path) {}
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Why write_incoming refused or failed: `reason` is the term the release handler answers with
// ({bad_file_entry, Entry} | {bad_path, Path, Why} | {checksum_mismatch, Path} |
// {conflicting_file, Path} | {bad_release, Vsn, [Problem]} | {write_failed, File}).
class incoming_release_error : public std::runtime_error {
 public:
  explicit incoming_release_error(term reason) : std::runtime_error(reason.to_string()), reason_(std::move(reason)) {}
  const term& reason() const { return reason_; }

 private:
  term reason_;
};

struct loaded_release {
  appup::release release;
  std::filesystem::path file;
  std::vector<application_spec> applications;  // in the release's order
};

struct unpack_check {
  std::vector<std::string> problems;      // empty: the release is complete
  std::vector<module_file_record> files;  // every module file found, with its sha256; paths relative to the root
  bool ok() const { return problems.empty(); }
};

class release_root {
 public:
  explicit release_root(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path releases_dir() const { return root_ / "releases"; }
  // These throw layout_error when a name or version is not a plain file name.
  std::filesystem::path release_dir(const std::string& vsn) const;
  std::filesystem::path lib_dir(atom app, const std::string& vsn) const;
  std::filesystem::path app_file(atom app, const std::string& vsn) const;
  std::filesystem::path appup_file(atom app, const std::string& vsn) const;
  std::filesystem::path modules_dir(atom app, const std::string& vsn) const { return lib_dir(app, vsn) / "modules"; }

  // The versions under releases/ that hold a release file, oldest first (otp::version_less).
  std::vector<std::string> release_versions() const;
  // releases/<vsn>/<name>.rel.yaml: the one *.rel.yaml there (layout_error if none or several).
  std::filesystem::path release_file(const std::string& vsn) const;
  appup::release read_release(const std::string& vsn) const;
  application_spec read_application(atom app, const std::string& vsn) const;
  std::optional<appup::appup_spec> read_appup(atom app, const std::string& vsn) const;
  // A release with its applications' files.
  loaded_release load(const std::string& vsn) const;

  // The planner's catalog for these releases: every application version they use, with its
  // modules and its appup (if any).
  appup::app_catalog catalog(const std::vector<std::string>& release_vsns) const;

  // modules/<module>-<vsn>.so, else modules/<module>.so; nullopt when neither is a regular file
  // reached without a symbolic link, or when a name is not a plain file name.
  std::optional<std::filesystem::path> find_module(atom app, const std::string& vsn, atom module) const;

  // The files that make release <vsn> — everything under releases/<vsn>/ and under the lib
  // directory of each of its applications — relative to the root, sorted. Throws layout_error
  // (or yaml_error) when the release cannot be read. What a node sends to unpack it elsewhere.
  std::vector<std::filesystem::path> release_files(const std::string& vsn) const;

  // Checks release <vsn> as unpack does: check_release (release_check.hpp), its problems as
  // "FILE:LINE:COLUMN: message" lines; each module file's sha256 is computed.
  unpack_check check_unpacked(const std::string& vsn) const;

  // For a release sent as files, before any of them is written (release_handler's unpack):
  // why `relative` may not be written below the root — not relative, a part that is not a plain
  // file name, outside releases/ and lib/, or an existing part that is a symbolic link — or
  // nullopt when it may.
  std::optional<std::string> incoming_path_problem(const std::filesystem::path& relative) const;
  // The incoming files of release `vsn` (paths relative to the root, with their contents), read as
  // unpack will read them once written: its release file parses (names and versions checked) and
  // has version `vsn`, each application file sent parses, and every lib/ directory is one of the
  // release's application versions. Lists every problem; empty when none.
  struct incoming_file {
    std::filesystem::path relative;
    std::string_view bytes;
  };
  std::vector<std::string> check_incoming(const std::string& vsn, const std::vector<incoming_file>& files) const;

  // Writes release `vsn`, sent by another node or by otpctl as Files = [{RelativePath, Bytes,
  // Sha256Hex}], below the root. Every check comes before anything is written: each entry's shape,
  // incoming_path_problem, its checksum, that a file already there has the same bytes (then it is
  // not written again: an application version this root has already), and check_incoming. Each
  // file is written to a .part file and renamed. Returns the files it wrote; remove them with
  // remove_written if what follows fails. Throws incoming_release_error, having written nothing
  // or removed what it wrote.
  std::vector<std::filesystem::path> write_incoming(const std::string& vsn, const term& files) const;
  // Removes files write_incoming wrote, and the directories below the root they leave empty.
  void remove_written(const std::vector<std::filesystem::path>& written) const;

  // Throws layout_error when `path` (below the root) or one of its parent directories below the
  // root is a symbolic link. Parts that do not exist are not checked.
  void refuse_links(const std::filesystem::path& path) const;

 private:
  // The first part of `path` below the root that is a symbolic link, if any.
  std::optional<std::filesystem::path> first_link(const std::filesystem::path& path) const;

  std::filesystem::path root_;
};

}  // namespace otp::release
