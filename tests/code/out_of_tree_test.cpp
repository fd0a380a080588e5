// find_package(otp-cpp) from a project outside this tree: `cmake --install` this build into a
// scratch prefix, configure and build tests/code/out_of_tree against it with otp_add_module, then
// load the module it produced and call it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "code_test_support.hpp"
#include "otp/gen_server.hpp"

namespace otp_test {
namespace {

// Runs a shell command with its output in `log`; returns its exit status.
int run(const std::string& command, const fs::path& log) {
  return std::system((command + " >>" + log.string() + " 2>&1").c_str());
}

std::string tail_of(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

TEST_F(code_test, AnInstalledOtpCppIsFoundByAnotherProjectWhoseModuleLoadsAndAnswers) {
  const fs::path prefix = scratch_ / "prefix";
  const fs::path build = scratch_ / "build";
  const fs::path log = scratch_ / "commands.log";
  ASSERT_EQ(run("cmake --install '" OTP_TEST_BINARY_DIR "' --prefix '" + prefix.string() + "'", log), 0)
      << tail_of(log);
  ASSERT_TRUE(fs::exists(prefix / "lib" / "cmake" / "otp-cpp" / "otp-cppConfig.cmake")) << tail_of(log);
  ASSERT_EQ(run("cmake -S '" OTP_TEST_OUT_OF_TREE_DIR "' -B '" + build.string() + "' -G Ninja -DCMAKE_PREFIX_PATH='" +
                    prefix.string() + "' -DCMAKE_CXX_FLAGS='" OTP_TEST_CXX_FLAGS "' -DCMAKE_BUILD_TYPE=Release",
                log),
            0)
      << tail_of(log);
  ASSERT_EQ(run("cmake --build '" + build.string() + "'", log), 0) << tail_of(log);
  const fs::path module = build / "greeter-1.0.so";
  ASSERT_TRUE(fs::exists(module)) << tail_of(log);

  rt_.run([&] {
    const code::load_result loaded = code::load_abs(module);
    ASSERT_TRUE(loaded) << loaded.message;
    const term started = code::start_server("greeter"_a, term());
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started;
    EXPECT_EQ(otp::gen_server::call(started[1], otp::tuple("hello"_a, "world"_a)),
              otp::tuple("hello"_a, "world"_a, "from"_a, otp::binary("1.0")));
    otp::gen_server::stop(started[1]);
  });
}

}  // namespace
}  // namespace otp_test
