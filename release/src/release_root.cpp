// The release root on disk: paths, loading and the unpack check.
#include "otp/release_root.hpp"

#include <algorithm>
#include <system_error>

#include "otp/appup_yaml.hpp"
#include "otp/detail/cat.hpp"
#include "otp/release_check.hpp"
#include "otp/release_file.hpp"
#include "otp/version_order.hpp"

namespace otp::release {

namespace fs = std::filesystem;
using appup::detail::cat;

namespace {
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
constexpr std::string_view kRelSuffix = ".rel.yaml";
}  // namespace

fs::path release_root::lib_dir(atom app, const std::string& vsn) const {
  return root_ / "lib" / cat(app.text(), "-", vsn);
}
fs::path release_root::app_file(atom app, const std::string& vsn) const {
  return lib_dir(app, vsn) / cat(app.text(), ".app.yaml");
}
fs::path release_root::appup_file(atom app, const std::string& vsn) const {
  return lib_dir(app, vsn) / cat(app.text(), ".appup.yaml");
}

std::vector<std::string> release_root::release_versions() const {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(releases_dir(), ec)) return out;
  for (const auto& entry : fs::directory_iterator(releases_dir(), ec)) {
    if (!entry.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(entry.path(), ec))
      if (f.is_regular_file() && ends_with(f.path().filename().string(), kRelSuffix)) {
        out.push_back(entry.path().filename().string());
        break;
      }
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return version_less(a, b); });
  return out;
}

fs::path release_root::release_file(const std::string& vsn) const {
  const fs::path dir = release_dir(vsn);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw layout_error(dir, "no such release directory");
  std::vector<fs::path> found;
  for (const auto& f : fs::directory_iterator(dir, ec))
    if (f.is_regular_file() && ends_with(f.path().filename().string(), kRelSuffix)) found.push_back(f.path());
  if (found.empty()) throw layout_error(dir, "no release file (<name>.rel.yaml) in the release directory");
  if (found.size() > 1) {
    std::sort(found.begin(), found.end());
    throw layout_error(dir, cat("several release files in the release directory: ", found[0].filename().string(), ", ",
                                found[1].filename().string()));
  }
  return found[0];
}

appup::release release_root::read_release(const std::string& vsn) const { return load_release_file(release_file(vsn)); }

application_spec release_root::read_application(atom app, const std::string& vsn) const {
  const fs::path dir = lib_dir(app, vsn);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw layout_error(dir, "no such application directory");
  return load_application_file(app_file(app, vsn));
}

std::optional<appup::appup_spec> release_root::read_appup(atom app, const std::string& vsn) const {
  const fs::path p = appup_file(app, vsn);
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  return appup::load_appup_file(p);
}

loaded_release release_root::load(const std::string& vsn) const {
  loaded_release out;
  out.file = release_file(vsn);
  out.release = load_release_file(out.file);
  for (const auto& a : out.release.apps) out.applications.push_back(read_application(a.name, a.vsn));
  return out;
}

appup::app_catalog release_root::catalog(const std::vector<std::string>& release_vsns) const {
  appup::app_catalog cat_out;
  for (const auto& vsn : release_vsns) {
    const appup::release rel = read_release(vsn);
    for (const auto& a : rel.apps) {
      if (cat_out.find(a.name, a.vsn)) continue;
      const application_spec spec = read_application(a.name, a.vsn);
      cat_out.add(appup::app_version{a.name, a.vsn, spec.modules, read_appup(a.name, a.vsn)});
    }
  }
  return cat_out;
}

std::optional<fs::path> release_root::find_module(atom app, const std::string& vsn, atom module) const {
  std::error_code ec;
  const fs::path versioned = modules_dir(app, vsn) / cat(module.text(), "-", vsn, ".so");
  if (fs::is_regular_file(versioned, ec)) return versioned;
  const fs::path plain = modules_dir(app, vsn) / cat(module.text(), ".so");
  if (fs::is_regular_file(plain, ec)) return plain;
  return std::nullopt;
}

std::vector<fs::path> release_root::release_files(const std::string& vsn) const {
  std::vector<fs::path> dirs{release_dir(vsn)};
  if (!fs::is_directory(release_dir(vsn))) throw layout_error(release_dir(vsn), "no such release directory");
  for (const auto& a : read_release(vsn).apps) dirs.push_back(lib_dir(a.name, a.vsn));
  std::vector<fs::path> files;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file()) files.push_back(it->path().lexically_relative(root_));
    if (ec) throw layout_error(dir, "cannot list it: " + ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

unpack_check release_root::check_unpacked(const std::string& vsn) const {
  release_check_result checked = check_release(*this, vsn);
  unpack_check out;
  for (const release_problem& p : checked.problems) out.problems.push_back(p.to_string());
  out.files = std::move(checked.files);
  return out;
}

}  // namespace otp::release
