// A release root or a release archive given on the command line, and which of its releases.
#include "release_source.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "command.hpp"

namespace otpctl {

namespace fs = std::filesystem;

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& i : items) text += (text.empty() ? "" : ", ") + i;
  return text;
}

}  // namespace

release_source::release_source(const std::string& path, const std::optional<std::string>& vsn,
                               const std::string& pick_option)
    : path_(path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    try {
      archive_ = std::make_unique<otp::release::temporary_release>(path);
    } catch (const otp::release::archive_error& e) {
      throw release_source_error(e.what());
    }
    vsn_ = archive_->vsn();
    if (vsn && *vsn != vsn_) throw release_source_error(path + " holds release " + vsn_ + ", not " + *vsn);
    return;
  }
  if (!fs::is_directory(path, ec))
    throw release_source_error(path + ": neither a release archive nor a release root directory");
  root_.emplace(path);
  const std::vector<std::string> versions = root_->release_versions();
  if (vsn) {
    vsn_ = *vsn;
  } else if (versions.size() > 1) {
    throw usage_error(path + " holds releases " + joined(versions) + ": pick one with " + pick_option);
  } else if (versions.size() == 1) {
    vsn_ = versions.front();
  }
  if (vsn_.empty() || std::find(versions.begin(), versions.end(), vsn_) == versions.end())
    throw release_source_error(path + " holds no release" + (vsn_.empty() ? "" : " " + vsn_) +
                               (versions.empty() ? "" : " (it holds " + joined(versions) + ")"));
}

std::vector<otp::release::release_problem> release_source::problems() const {
  std::vector<otp::release::release_problem> found = otp::release::check_release(root(), vsn_).problems;
  if (!archive_) return found;
  const std::string extracted = root().root().string() + "/";
  for (otp::release::release_problem& p : found)
    for (std::string* text : {&p.file, &p.message})
      for (auto at = text->find(extracted); at != std::string::npos; at = text->find(extracted, at + path_.size() + 1))
        text->replace(at, extracted.size(), path_ + ":");
  return found;
}

}  // namespace otpctl
