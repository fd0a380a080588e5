// Shared by the examples' step-by-step programs (examples/<example>/main.cpp, built by
// otp_example_program): where the example's module builds are, and how a step is announced.
#pragma once

#include <filesystem>
#include <iostream>
#include <string>

namespace walkthrough {

// argv[1] when given, else the directory the build puts the example's modules in.
inline std::filesystem::path module_dir(int argc, char** argv) {
  return argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path(OTP_EXAMPLE_MODULES);
}

// Announces a step: "> what".
inline void say(const std::string& what) { std::cout << "\n> " << what << std::endl; }

}  // namespace walkthrough
