// Shared pieces of the release tests: a fresh temporary directory per test, file writing, and a
// matcher for positioned YAML errors.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include "otp/appup_yaml.hpp"

namespace rel_test {

class temp_dir {
 public:
  temp_dir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("otp_release_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << p;
}

// Runs `parse` and checks it throws a yaml_error at exactly line:column whose message contains
// `needle`; returns the error text for further checks.
inline std::string expect_yaml_error(const std::function<void()>& parse, std::size_t line, std::size_t column,
                                     const std::string& needle) {
  try {
    parse();
  } catch (const otp::appup::yaml_error& e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.column(), column) << e.what();
    EXPECT_NE(e.message().find(needle), std::string::npos) << "'" << needle << "' not in: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no yaml_error (expected one at " << line << ":" << column << " with '" << needle << "')";
  return {};
}

}  // namespace rel_test
