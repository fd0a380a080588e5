// A shared library that tells when it was opened: its constructor creates the file
// OTP_OPENED_MARKER_DIR/opened-<pid>. The file-safety tests place it where a crafted release or
// code path points outside the release root, and check that the marker never appears.
#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace {

__attribute__((constructor)) void mark_opened() {
  const std::string marker = std::string(OTP_OPENED_MARKER_DIR) + "/opened-" + std::to_string(::getpid());
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
}

}  // namespace
