// The release root on disk: paths, loading and the unpack check.
#include "otp/release_root.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "otp/appup_yaml.hpp"
#include "otp/detail/cat.hpp"
#include "otp/file_name.hpp"
#include "otp/release_check.hpp"
#include "otp/release_file.hpp"
#include "otp/sha256.hpp"
#include "otp/version_order.hpp"

namespace otp::release {

namespace fs = std::filesystem;
using otp::detail::cat;

namespace {
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
constexpr std::string_view kRelSuffix = ".rel.yaml";
constexpr std::string_view kAppSuffix = ".app.yaml";

void require_file_name(const fs::path& where, std::string_view what, std::string_view name) {
  if (const auto problem = file_name_problem(name))
    throw layout_error(where, cat(what, " '", name, "' is not a plain file name: ", *problem));
}

layout_error link_refused(const fs::path& link) {
  return layout_error(link, "is a symbolic link; the files and directories of a release root must not be links");
}
}  // namespace

fs::path release_root::release_dir(const std::string& vsn) const {
  require_file_name(releases_dir(), "the release version", vsn);
  return releases_dir() / vsn;
}

fs::path release_root::lib_dir(atom app, const std::string& vsn) const {
  require_file_name(root_ / "lib", "the application name", app.text());
  require_file_name(root_ / "lib", cat("the version of application ", app.text()), vsn);
  return root_ / "lib" / cat(app.text(), "-", vsn);
}

std::optional<fs::path> release_root::first_link(const fs::path& path) const {
  fs::path at = root_;
  for (const fs::path& part : path.lexically_relative(root_)) {
    at /= part;
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(at, ec);
    if (status.type() == fs::file_type::symlink) return at;
    if (ec || status.type() == fs::file_type::not_found) return std::nullopt;
  }
  return std::nullopt;
}

void release_root::refuse_links(const fs::path& path) const {
  if (const auto link = first_link(path)) throw link_refused(*link);
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
  if (first_link(releases_dir())) return out;
  for (const auto& entry : fs::directory_iterator(releases_dir(), ec)) {
    if (entry.is_symlink() || !entry.is_directory() || !is_safe_file_name(entry.path().filename().string())) continue;
    for (const auto& f : fs::directory_iterator(entry.path(), ec))
      if (!f.is_symlink() && f.is_regular_file() && ends_with(f.path().filename().string(), kRelSuffix)) {
        out.push_back(entry.path().filename().string());
        break;
      }
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return version_less(a, b); });
  return out;
}

fs::path release_root::release_file(const std::string& vsn) const {
  const fs::path dir = release_dir(vsn);
  refuse_links(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw layout_error(dir, "no such release directory");
  std::vector<fs::path> found;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    if (!ends_with(f.path().filename().string(), kRelSuffix)) continue;
    if (f.is_symlink()) throw link_refused(f.path());
    if (f.is_regular_file()) found.push_back(f.path());
  }
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
  refuse_links(app_file(app, vsn));
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw layout_error(dir, "no such application directory");
  return load_application_file(app_file(app, vsn));
}

std::optional<appup::appup_spec> release_root::read_appup(atom app, const std::string& vsn) const {
  const fs::path p = appup_file(app, vsn);
  refuse_links(p);
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
  if (!is_safe_file_name(module.text()) || !is_safe_file_name(app.text()) || !is_safe_file_name(vsn))
    return std::nullopt;
  const fs::path dir = modules_dir(app, vsn);
  for (const fs::path& file : {dir / cat(module.text(), "-", vsn, ".so"), dir / cat(module.text(), ".so")}) {
    std::error_code ec;
    if (fs::symlink_status(file, ec).type() == fs::file_type::regular && !first_link(file)) return file;
  }
  return std::nullopt;
}

std::vector<fs::path> release_root::release_files(const std::string& vsn) const {
  std::vector<fs::path> dirs{release_dir(vsn)};
  refuse_links(release_dir(vsn));
  if (!fs::is_directory(release_dir(vsn))) throw layout_error(release_dir(vsn), "no such release directory");
  for (const auto& a : read_release(vsn).apps) dirs.push_back(lib_dir(a.name, a.vsn));
  std::vector<fs::path> files;
  for (const fs::path& dir : dirs) {
    refuse_links(dir);
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_symlink()) throw link_refused(it->path());
      if (it->is_regular_file()) files.push_back(it->path().lexically_relative(root_));
    }
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

std::optional<std::string> release_root::incoming_path_problem(const fs::path& relative) const {
  if (relative.is_absolute()) return "an absolute path";
  std::size_t depth = 0;
  for (const fs::path& part : relative) {
    if (const auto problem = file_name_problem(part.string()))
      return cat("its part '", part.string(), "' is not a plain file name: ", *problem);
    ++depth;
  }
  const std::string top = relative.begin() == relative.end() ? std::string() : relative.begin()->string();
  if ((top != "releases" && top != "lib") || depth < 3) return "not a file of releases/<vsn>/ or lib/<app>-<vsn>/";
  if (const auto link = first_link(root_ / relative)) return link_refused(*link).what();
  return std::nullopt;
}

std::vector<std::string> release_root::check_incoming(const std::string& vsn,
                                                      const std::vector<incoming_file>& files) const {
  std::vector<std::string> problems;
  if (const auto problem = file_name_problem(vsn)) {
    problems.push_back(cat("the release version '", vsn, "' is not a plain file name: ", *problem));
    return problems;
  }
  const fs::path release_dir_relative = fs::path("releases") / vsn;
  const incoming_file* release_file = nullptr;
  for (const incoming_file& f : files)
    if (f.relative.parent_path() == release_dir_relative && ends_with(f.relative.filename().string(), kRelSuffix))
      release_file = &f;
  if (release_file == nullptr) {
    problems.push_back(cat("no release file ", release_dir_relative.string(), "/<name>", kRelSuffix, " was sent"));
    return problems;
  }
  appup::release rel;
  try {
    rel = parse_release(release_file->bytes, release_file->relative.string());
  } catch (const std::exception& e) {
    problems.push_back(e.what());
    return problems;
  }
  if (rel.vsn != vsn)
    problems.push_back(
        cat(release_file->relative.string(), ": the release's vsn is '", rel.vsn, "', expected '", vsn, "'"));
  for (const incoming_file& f : files) {
    auto part = f.relative.begin();
    if (part == f.relative.end() || *part != "lib" || ++part == f.relative.end()) continue;
    const std::string app_dir = part->string();
    const bool of_release = std::any_of(rel.apps.begin(), rel.apps.end(), [&](const appup::release_app& a) {
      return app_dir == cat(a.name.text(), "-", a.vsn);
    });
    if (!of_release) {
      problems.push_back(
          cat(f.relative.string(), ": lib/", app_dir, " is not an application version of release ", vsn));
      continue;
    }
    if (f.relative.parent_path() == fs::path("lib") / app_dir &&
        ends_with(f.relative.filename().string(), kAppSuffix)) {
      try {
        parse_application(f.bytes, f.relative.string());
      } catch (const std::exception& e) {
        problems.push_back(e.what());
      }
    }
  }
  return problems;
}

std::vector<fs::path> release_root::write_incoming(const std::string& vsn, const term& files) const {
  if (!files.is_proper_list()) throw incoming_release_error(tuple(atom("bad_file_entry"), files));
  std::vector<incoming_file> sent;
  for (const term& f : files.elements()) {
    if (!f.is_tuple(3) || !f[0].is_binary() || !f[1].is_binary() || !f[2].is_binary())
      throw incoming_release_error(tuple(atom("bad_file_entry"), f));
    const fs::path relative(std::string(f[0].as_binary()));
    if (const auto problem = incoming_path_problem(relative))
      throw incoming_release_error(tuple(atom("bad_path"), f[0], binary(*problem)));
    if (sha256_hex(f[1].as_binary()) != f[2].as_binary())
      throw incoming_release_error(tuple(atom("checksum_mismatch"), f[0]));
    sent.push_back({relative, f[1].as_binary()});
  }
  std::vector<const incoming_file*> to_write;
  for (const incoming_file& f : sent) {
    const fs::path target = root_ / f.relative;
    std::error_code ec;
    if (fs::exists(target, ec)) {
      if (sha256_file_hex(target) != sha256_hex(f.bytes))
        throw incoming_release_error(tuple(atom("conflicting_file"), binary(f.relative.string())));
      continue;
    }
    to_write.push_back(&f);
  }
  if (const auto problems = check_incoming(vsn, sent); !problems.empty()) {
    std::vector<term> listed;
    for (const std::string& p : problems) listed.push_back(binary(p));
    throw incoming_release_error(tuple(atom("bad_release"), binary(vsn), term::make_list(listed)));
  }
  std::vector<fs::path> written;
  for (const incoming_file* f : to_write) {
    const fs::path target = root_ / f->relative;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    const fs::path part = target.string() + ".part";
    {
      std::ofstream out(part, std::ios::binary | std::ios::trunc);
      out.write(f->bytes.data(), static_cast<std::streamsize>(f->bytes.size()));
      if (!ec && out) fs::rename(part, target, ec);
      if (ec || !out) {
        fs::remove(part, ec);
        remove_written(written);
        throw incoming_release_error(tuple(atom("write_failed"), binary(target.string())));
      }
    }
    written.push_back(target);
  }
  return written;
}

void release_root::remove_written(const std::vector<fs::path>& written) const {
  std::error_code ec;
  for (const fs::path& w : written) {
    fs::remove(w, ec);
    for (fs::path dir = w.parent_path(); dir != root_ && fs::is_empty(dir, ec); dir = dir.parent_path())
      fs::remove(dir, ec);
  }
}

}  // namespace otp::release
