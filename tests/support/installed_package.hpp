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

  // Runs `command` (logged) unless a step failed already; records its failure.
  void step(const std::string& command) {
    if (error.empty() && run_logged(command, log) != 0) error = "failed: " + command + "\n" + tail_of(log);
  }
};

// `cmake --install <build_tree> --prefix <scratch>/prefix`; the project's build will be
// <scratch>/build.
inline installed_project install(const std::filesystem::path& build_tree, const std::filesystem::path& scratch) {
  installed_project p{scratch / "prefix", scratch / "build", scratch / "commands.log", {}};
  p.step("cmake --install '" + build_tree.string() + "' --prefix '" + p.prefix.string() + "'");
  return p;
}

// `cmake -S <source> -B <p.build> -DCMAKE_PREFIX_PATH=<p.prefix>` (Ninja, Release, `cxx_flags`,
// then `cmake_args`) and `cmake --build`.
inline void configure_and_build(installed_project& p, const std::filesystem::path& source, const std::string& cxx_flags,
                                const std::string& cmake_args = "") {
  p.step("cmake -S '" + source.string() + "' -B '" + p.build.string() + "' -G Ninja -DCMAKE_PREFIX_PATH='" +
         p.prefix.string() + "' -DCMAKE_CXX_FLAGS='" + cxx_flags + "' -DCMAKE_BUILD_TYPE=Release " + cmake_args);
  p.step("cmake --build '" + p.build.string() + "'");
}

// Both: this build installed into <scratch>/prefix, `source` built against it in <scratch>/build.
inline installed_project install_and_build(const std::filesystem::path& build_tree, const std::filesystem::path& source,
                                           const std::filesystem::path& scratch, const std::string& cxx_flags) {
  installed_project p = install(build_tree, scratch);
  configure_and_build(p, source, cxx_flags);
  return p;
}

}  // namespace otp::test
