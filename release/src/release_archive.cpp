// Release archives with libarchive: writing, reading with every rule of release_archive.hpp, and
// extracting into a release root all or nothing.
#include "otp/release_archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>

#include "otp/sha256.hpp"

namespace otp::release {

namespace fs = std::filesystem;

namespace {

using archive_ptr = std::unique_ptr<archive, int (*)(archive*)>;
using entry_ptr = std::unique_ptr<archive_entry, void (*)(archive_entry*)>;

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw layout_error(file, "cannot read it");
  return bytes;
}

bool is_checksums(const fs::path& relative) {
  return relative.filename() == archive_checksums_name && relative.parent_path().parent_path() == "releases";
}

// The checksum file's text for `files` (paths relative to the root, sorted).
std::string checksums_text(const std::vector<archive_file>& files) {
  std::string text;
  for (const archive_file& f : files) text += sha256_hex(f.bytes) + "  " + f.path.generic_string() + "\n";
  return text;
}

// --- writing ------------------------------------------------------------------------------------

void write_entries(const fs::path& archive_path, const fs::path& to, const std::vector<archive_file>& files) {
  const archive_ptr a(archive_write_new(), archive_write_free);
  auto check = [&](int status, const std::string& doing) {
    if (status < ARCHIVE_WARN)
      throw archive_error(archive_path, "cannot " + doing + ": " + archive_error_string(a.get()));
  };
  check(archive_write_add_filter_gzip(a.get()), "use gzip");
  check(archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr), "drop gzip's timestamp");
  check(archive_write_set_format_pax_restricted(a.get()), "use the tar format");
  check(archive_write_open_filename(a.get(), to.c_str()), "create it");
  for (const archive_file& f : files) {
    const entry_ptr entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), f.path.generic_string().c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), f.path.extension() == ".so" ? 0755 : 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(f.bytes.size()));
    check(archive_write_header(a.get(), entry.get()), "add " + f.path.generic_string());
    if (archive_write_data(a.get(), f.bytes.data(), f.bytes.size()) != static_cast<la_ssize_t>(f.bytes.size()))
      throw archive_error(archive_path,
                          "cannot write " + f.path.generic_string() + ": " + archive_error_string(a.get()));
  }
  check(archive_write_close(a.get()), "finish it");
}

// --- reading ------------------------------------------------------------------------------------

// The entry's path, relative and normal, or the reason it is refused.
fs::path checked_path(const fs::path& archive_path, const char* raw) {
  if (raw == nullptr || *raw == '\0') throw archive_error(archive_path, "an entry has no path");
  std::string text = raw;
  while (text.starts_with("./")) text.erase(0, 2);
  while (text.ends_with("/")) text.pop_back();
  const fs::path path(text);
  auto refuse = [&](const std::string& why) {
    throw archive_error(archive_path, "entry '" + std::string(raw) + "' " + why);
  };
  if (path.empty()) refuse("has no path");
  if (path.is_absolute()) refuse("has an absolute path: entries must stay inside the release root");
  for (const fs::path& part : path) {
    if (part == "..") refuse("leaves the release root ('..')");
    if (part.empty() || part == ".") refuse("has an empty or '.' component");
  }
  const fs::path first = *path.begin();
  if (first != "releases" && first != "lib") refuse("is neither under releases/ nor under lib/");
  return path;
}

const char* file_type_name(mode_t type) {
  switch (type) {
    case AE_IFLNK: return "a symbolic link";
    case AE_IFCHR: return "a character device";
    case AE_IFBLK: return "a block device";
    case AE_IFIFO: return "a FIFO";
    case AE_IFSOCK: return "a socket";
    default: return "not a regular file";
  }
}

std::vector<archive_file> read_entries(const fs::path& archive_path, const archive_limits& limits) {
  const archive_ptr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 64 * 1024) != ARCHIVE_OK)
    throw archive_error(archive_path, std::string("not a readable .tar.gz: ") + archive_error_string(a.get()));
  std::vector<archive_file> files;
  std::uint64_t total = 0;
  std::size_t entries = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    const int status = archive_read_next_header(a.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN)
      throw archive_error(archive_path, std::string("not a readable .tar.gz: ") + archive_error_string(a.get()));
    if (++entries > limits.max_entries)
      throw archive_error(archive_path, "more than " + std::to_string(limits.max_entries) + " entries");
    const char* raw = archive_entry_pathname(entry);
    const fs::path path = checked_path(archive_path, raw);
    const std::string name = path.generic_string();
    if (archive_entry_hardlink(entry) != nullptr)
      throw archive_error(archive_path, "entry '" + name + "' is a hard link: only regular files are accepted");
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) continue;
    if (type != AE_IFREG)
      throw archive_error(archive_path,
                          "entry '" + name + "' is " + file_type_name(type) + ": only regular files are accepted");
    if (archive_entry_size_is_set(entry) &&
        static_cast<std::uint64_t>(archive_entry_size(entry)) > limits.max_file_bytes)
      throw archive_error(archive_path,
                          "entry '" + name + "' is larger than " + std::to_string(limits.max_file_bytes) + " bytes");
    archive_file file{path, {}};
    std::array<char, 64 * 1024> buffer{};
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n < 0)
        throw archive_error(archive_path, "cannot read entry '" + name + "': " + archive_error_string(a.get()));
      if (n == 0) break;
      total += static_cast<std::uint64_t>(n);
      if (file.bytes.size() + static_cast<std::size_t>(n) > limits.max_file_bytes)
        throw archive_error(archive_path,
                            "entry '" + name + "' is larger than " + std::to_string(limits.max_file_bytes) + " bytes");
      if (total > limits.max_total_bytes)
        throw archive_error(archive_path,
                            "its files hold more than " + std::to_string(limits.max_total_bytes) + " bytes");
      file.bytes.append(buffer.data(), static_cast<std::size_t>(n));
    }
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(), [](const archive_file& x, const archive_file& y) { return x.path < y.path; });
  for (std::size_t i = 1; i < files.size(); ++i)
    if (files[i].path == files[i - 1].path)
      throw archive_error(archive_path, "entry '" + files[i].path.generic_string() + "' appears twice");
  return files;
}

// The one release under releases/: its vsn (the directory) and name (<name>.rel.yaml).
void identify_release(const fs::path& archive_path, release_archive& out) {
  for (const archive_file& f : out.files) {
    const fs::path& p = f.path;
    if (*p.begin() != "releases") continue;
    auto part = p.begin();
    if (std::distance(p.begin(), p.end()) < 3)
      throw archive_error(archive_path, "entry '" + p.generic_string() + "' is not inside releases/<vsn>/");
    const std::string vsn = (++part)->string();
    if (!out.vsn.empty() && vsn != out.vsn)
      throw archive_error(archive_path, "it holds more than one release (" + out.vsn + " and " + vsn + ")");
    out.vsn = vsn;
    const std::string file = p.filename().string();
    if (p.parent_path() == fs::path("releases") / vsn && file.ends_with(".rel.yaml")) {
      if (!out.name.empty()) throw archive_error(archive_path, "releases/" + vsn + "/ holds more than one *.rel.yaml");
      out.name = file.substr(0, file.size() - std::string(".rel.yaml").size());
    }
  }
  if (out.vsn.empty()) throw archive_error(archive_path, "it holds no release (no releases/<vsn>/)");
  if (out.name.empty()) throw archive_error(archive_path, "releases/" + out.vsn + "/ holds no <name>.rel.yaml");
}

// Every file but SHA256SUMS is listed there with its checksum, and every listed file is present.
void verify_checksums(const fs::path& archive_path, const release_archive& r) {
  const fs::path sums_path = fs::path("releases") / r.vsn / archive_checksums_name;
  const auto sums =
      std::find_if(r.files.begin(), r.files.end(), [&](const archive_file& f) { return f.path == sums_path; });
  if (sums == r.files.end())
    throw archive_error(archive_path, "it has no checksums (" + sums_path.generic_string() + ")");
  std::map<std::string, std::string> listed;
  std::istringstream lines(sums->bytes);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    const auto where = sums_path.generic_string() + ":" + std::to_string(number);
    if (line.size() < 67 || line.compare(64, 2, "  ") != 0)
      throw archive_error(archive_path, where + ": expected '<sha256 hex>  <path>'");
    if (!listed.emplace(line.substr(66), line.substr(0, 64)).second)
      throw archive_error(archive_path, where + ": '" + line.substr(66) + "' is listed twice");
  }
  for (const archive_file& f : r.files) {
    if (f.path == sums_path) continue;
    const auto it = listed.find(f.path.generic_string());
    if (it == listed.end())
      throw archive_error(archive_path,
                          "entry '" + f.path.generic_string() + "' is not in " + sums_path.generic_string());
    if (sha256_hex(f.bytes) != it->second)
      throw archive_error(archive_path, "entry '" + f.path.generic_string() +
                                            "': checksum mismatch (sha256 differs from " + sums_path.generic_string() +
                                            ")");
    listed.erase(it);
  }
  if (!listed.empty())
    throw archive_error(archive_path, sums_path.generic_string() + " lists '" + listed.begin()->first +
                                          "', which the archive does not hold");
}

// --- extracting ---------------------------------------------------------------------------------

// What an extraction created, removed again unless it is kept.
class created_paths {
 public:
  ~created_paths() {
    if (kept_) return;
    std::error_code ec;
    for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) fs::remove(*it, ec);
  }
  void create_directories(const fs::path& dir) {
    if (fs::is_directory(dir)) return;
    if (dir.has_parent_path() && dir.parent_path() != dir) create_directories(dir.parent_path());
    fs::create_directory(dir);
    paths_.push_back(dir);
  }
  void added(const fs::path& file) { paths_.push_back(file); }
  void keep() { kept_ = true; }

 private:
  std::vector<fs::path> paths_;  // in creation order
  bool kept_ = false;
};

void write_file(const fs::path& archive_path, const fs::path& target, const std::string& bytes,
                created_paths& created) {
  const fs::path part = target.string() + ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::error_code ec;
      fs::remove(part, ec);
      throw archive_error(archive_path, "cannot write " + target.string());
    }
  }
  std::error_code ec;
  fs::rename(part, target, ec);
  if (ec) {
    fs::remove(part, ec);
    throw archive_error(archive_path, "cannot write " + target.string() + ": " + ec.message());
  }
  created.added(target);
}

}  // namespace

void write_release_archive(const release_root& root, const std::string& vsn, const fs::path& archive) {
  std::vector<archive_file> files;
  for (const fs::path& relative : root.release_files(vsn))
    if (!is_checksums(relative)) files.push_back({relative, read_file(root.root() / relative)});
  const std::string sums = checksums_text(files);
  files.push_back({fs::path("releases") / vsn / archive_checksums_name, sums});
  std::sort(files.begin(), files.end(), [](const archive_file& x, const archive_file& y) { return x.path < y.path; });

  const fs::path part = archive.string() + ".part";
  try {
    write_entries(archive, part, files);
    fs::rename(part, archive);
  } catch (...) {
    std::error_code ec;
    fs::remove(part, ec);
    throw;
  }
}

release_archive read_release_archive(const fs::path& archive, const archive_limits& limits) {
  std::error_code ec;
  if (!fs::is_regular_file(archive, ec)) throw archive_error(archive, "no such file");
  release_archive out;
  out.files = read_entries(archive, limits);
  identify_release(archive, out);
  verify_checksums(archive, out);
  return out;
}

release_archive extract_release_archive(const fs::path& archive, const fs::path& root, const archive_limits& limits) {
  release_archive read = read_release_archive(archive, limits);
  std::vector<const archive_file*> to_write;
  for (const archive_file& f : read.files) {
    const fs::path target = root / f.path;
    std::error_code ec;
    if (fs::is_symlink(target, ec) || (fs::exists(target, ec) && !fs::is_regular_file(target, ec)))
      throw archive_error(archive, target.string() + " exists and is not a regular file");
    if (fs::exists(target, ec)) {
      if (sha256_file_hex(target) != sha256_hex(f.bytes))
        throw archive_error(archive,
                            target.string() + " exists and differs from the archive's " + f.path.generic_string());
      continue;  // the same file (an application version the root has already)
    }
    to_write.push_back(&f);
  }
  created_paths created;
  try {
    for (const archive_file* f : to_write) {
      const fs::path target = root / f->path;
      created.create_directories(target.parent_path());
      write_file(archive, target, f->bytes, created);
    }
  } catch (const fs::filesystem_error& e) {
    throw archive_error(archive, std::string("cannot extract it: ") + e.what());
  }
  created.keep();
  return read;
}

temporary_release::temporary_release(const fs::path& archive, const archive_limits& limits) : root_(fs::path()) {
  std::string pattern = (fs::temp_directory_path() / "otp-release-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw archive_error(archive, "cannot make a temporary directory in " + fs::temp_directory_path().string());
  dir_ = pattern;
  try {
    const release_archive read = extract_release_archive(archive, dir_, limits);
    name_ = read.name;
    vsn_ = read.vsn;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
  root_ = release_root(dir_);
}

temporary_release::~temporary_release() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace otp::release
