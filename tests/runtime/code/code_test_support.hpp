// Shared by the code-server tests: where the test modules are, a scratch code-path directory, and a
// fixture that leaves no module loaded behind (modules outlive a runtime: one table per OS process).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "otp/code.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term_text.hpp"

namespace otp_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace otp::literals;
using otp::atom;
using otp::term;
namespace atoms = otp::atoms;
namespace code = otp::code;

inline fs::path module_file(const std::string& file_name) { return fs::path(OTP_TEST_MODULE_DIR) / file_name; }

// Copies with a rename, as an install does: the destination gets a new inode.
inline void install_file(const fs::path& from, const fs::path& to) {
  const fs::path part = to.string() + ".part";
  fs::copy_file(from, part, fs::copy_options::overwrite_existing);
  fs::rename(part, to);
}

// Whether /proc/self/maps maps a file whose path contains `needle`.
inline bool mapped(const std::string& needle) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(needle) != std::string::npos) return true;
  return false;
}

class Code : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = fs::temp_directory_path() / ("otp-code-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
    code::set_path({scratch_});
  }
  void TearDown() override {
    rt_.run([] {
      for (const auto& m : code::all_loaded()) {
        code::purge(m.name);
        code::delete_module(m.name);
        code::purge(m.name);
      }
    });
    code::set_path({});
    fs::remove_all(scratch_);
  }

  // Puts the test module <file_name> into the scratch code-path directory as `as` (default: same).
  fs::path stage(const std::string& file_name, std::optional<std::string> as = std::nullopt) {
    const fs::path to = scratch_ / as.value_or(file_name);
    install_file(module_file(file_name), to);
    return to;
  }

  otp::runtime rt_;
  fs::path scratch_;
};

}  // namespace otp_test
