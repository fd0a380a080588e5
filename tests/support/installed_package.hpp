// otp::test installed-package helpers — what the tests that use otp-cpp as another project would
// share: `cmake --install` of this build into a scratch prefix, then configure and build a project
// of its own against it with find_package(otp-cpp), every command's output appended to a log whose
// tail a failing assertion prints. Thread-safety: one test thread uses them.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace otp::test {

// Runs a shell command with its stdout and stderr appended to `log`; returns its exit status.
inline int run_logged(const std::string& command, const std::filesystem::path& log) {
  { std::ofstream(log, std::ios::app) << "$ " << command << "\n"; }
  return std::system((command + " >>'" + log.string() + "' 2>&1").c_str());
}

// The last 4000 characters of `file`.
inline std::string tail_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

// A project built against this build's `cmake --install` in `prefix`.
struct installed_project {
  std::filesystem::path prefix;  // where otp-cpp is installed
  std::filesystem::path build;   // the project's build directory
  std::filesystem::path log;     // every command and its output
  std::string error;             // empty when every step succeeded, else what failed and the log's tail
};

// `cmake --install <build_tree> --prefix <scratch>/prefix`, then `cmake -S <source> -B
// <scratch>/build -DCMAKE_PREFIX_PATH=<prefix>` (Ninja, Release, `cxx_flags`) and
// `cmake --build`.
inline installed_project install_and_build(const std::filesystem::path& build_tree, const std::filesystem::path& source,
                                           const std::filesystem::path& scratch, const std::string& cxx_flags) {
  installed_project p{scratch / "prefix", scratch / "build", scratch / "commands.log", {}};
  auto step = [&](const std::string& command) {
    if (!p.error.empty()) return;
    if (run_logged(command, p.log) != 0) p.error = "failed: " + command + "\n" + tail_of(p.log);
  };
  step("cmake --install '" + build_tree.string() + "' --prefix '" + p.prefix.string() + "'");
  step("cmake -S '" + source.string() + "' -B '" + p.build.string() + "' -G Ninja -DCMAKE_PREFIX_PATH='" +
       p.prefix.string() + "' -DCMAKE_CXX_FLAGS='" + cxx_flags + "' -DCMAKE_BUILD_TYPE=Release");
  step("cmake --build '" + p.build.string() + "'");
  return p;
}

}  // namespace otp::test
