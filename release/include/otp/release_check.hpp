// otp::release::check_release — the whole-release check: one release of a release root with every
// file it uses, every problem found at once, each at the file:line:column of what the user wrote.
//
// What it checks (docs/release-files.md, "Checking a release"):
//   - the release file parses; its vsn matches releases/<vsn>/ and its name its file name;
//   - every application version it names exists (lib/<app>-<vsn>/), its application file parses,
//     and its name and vsn match its directory;
//   - every dependency (`applications:`) is in the release, and the dependencies have no cycle
//     (the start order must exist);
//   - every module listed has its file (modules/<m>-<vsn>.so or <m>.so), whose sha256 is computed;
//   - the appup, if any, parses, its vsn matches, and every module its `up` instructions update,
//     load or add (update, load_module, add_module) is one of the application's modules;
//   - every child-spec registered `name:` is listed in the application's `registered:`.
// A file that does not parse gives its first syntax error (the parsers stop there) and the checks
// that need it are skipped; every other file is still checked.
//
// This is the one check of a release: release_root::check_unpacked (a node's unpack, `otpctl
// archive`) and `otpctl check --root` use it.
//
// Thread-safety: reads the disk only; may run on several threads.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "otp/release_history.hpp"
#include "otp/release_root.hpp"

namespace otp::release {

struct release_problem {
  std::string file;                  // the file the problem is in (or the directory missing)
  std::size_t line = 0, column = 0;  // 1-based; 0: the whole file
  std::string message;
  // "FILE:LINE:COLUMN: MESSAGE", or "FILE: MESSAGE" without a position.
  std::string to_string() const;
};

struct release_check_result {
  std::vector<release_problem> problems;  // in the order found: release file, then each application
  std::vector<module_file_record> files;  // every module file found, with its sha256; paths relative to the root
  bool ok() const { return problems.empty(); }
};

release_check_result check_release(const release_root& root, const std::string& vsn);

}  // namespace otp::release
