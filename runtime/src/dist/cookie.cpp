#include "dist/cookie.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

namespace otp::detail::dist {

std::filesystem::path default_cookie_path() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') throw cookie_error("cannot find the cookie file: HOME is not set");
  return std::filesystem::path(home) / ".erlang.cookie";
}

std::string random_cookie() {
  std::random_device source;
  std::uniform_int_distribution<int> letter('A', 'Z');
  std::string cookie(20, 'A');
  for (char& c : cookie) c = static_cast<char>(letter(source));
  return cookie;
}

namespace {

void create_cookie_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR);
  if (fd < 0) {
    if (errno == EEXIST) return;  // someone else created it meanwhile: read theirs
    throw cookie_error("cannot create cookie file " + path.string() + ": " + std::strerror(errno));
  }
  const std::string cookie = random_cookie();
  const bool written = ::write(fd, cookie.data(), cookie.size()) == static_cast<ssize_t>(cookie.size());
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path);
    throw cookie_error("cannot write cookie file " + path.string());
  }
}

}  // namespace

std::string read_cookie_file(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) throw cookie_error("cannot read cookie file " + path.string() + ": " + std::strerror(errno));
    create_cookie_file(path);
    if (::stat(path.c_str(), &info) != 0)
      throw cookie_error("cannot read cookie file " + path.string() + ": " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) throw cookie_error("cookie file " + path.string() + " is not a regular file");
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    throw cookie_error("cookie file " + path.string() + " must be accessible by owner only (chmod 400 it)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cookie_error("cannot read cookie file " + path.string());
  std::string cookie;
  std::getline(in, cookie);
  while (!cookie.empty() && (cookie.back() == ' ' || cookie.back() == '\t' || cookie.back() == '\r')) cookie.pop_back();
  if (cookie.empty()) throw cookie_error("cookie file " + path.string() + " holds no cookie");
  return cookie;
}

}  // namespace otp::detail::dist
