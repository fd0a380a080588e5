// A release named on otpctl's command line (unpack, archive, plan): PATH is either a release
// archive (a file: `otpctl archive`'s .tar.gz, extracted into a temporary release root that lives
// as long as the release_source) or a release root directory, of which one release is meant — the
// one given, or the only one it holds.
//
// Errors: a root holding several releases with none picked is a usage_error (the command line
// must say which); a PATH that holds no such release, or an archive that is not a valid release
// archive (otp/release_archive.hpp), is a release_source_error whose what() names PATH.
//
// Thread-safety: none needed; otpctl runs one subcommand per process.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "otp/release_archive.hpp"
#include "otp/release_check.hpp"
#include "otp/release_root.hpp"

namespace otpctl {

class release_source_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class release_source {
 public:
  // `pick_option` names the option or argument that picks a version, for the usage message.
  release_source(const std::string& path, const std::optional<std::string>& vsn, const std::string& pick_option);

  const otp::release::release_root& root() const { return archive_ ? archive_->root() : *root_; }
  const std::string& vsn() const { return vsn_; }
  bool is_archive() const { return archive_ != nullptr; }
  // The whole-release check of the release (otp/release_check.hpp), every problem naming the
  // file the user has: a file of an archive is written ARCHIVE:releases/..., ARCHIVE:lib/....
  std::vector<otp::release::release_problem> problems() const;

 private:
  std::string path_;
  std::unique_ptr<otp::release::temporary_release> archive_;
  std::optional<otp::release::release_root> root_;
  std::string vsn_;
};

}  // namespace otpctl
