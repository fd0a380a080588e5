// find_package(otp-cpp) from a project outside this tree: `cmake --install` this build into a
// scratch prefix, configure and build tests/runtime/code/out_of_tree against it with otp_add_module, then
// load the module it produced and call it.
#include <gtest/gtest.h>

#include "../../support/installed_package.hpp"
#include "code_test_support.hpp"
#include "otp/gen_server.hpp"

namespace otp_test {
namespace {

TEST_F(Code, AnInstalledOtpCppIsFoundByAnotherProjectWhoseModuleLoadsAndAnswers) {
  const otp::test::installed_project project =
      otp::test::install_and_build(OTP_TEST_BINARY_DIR, OTP_TEST_OUT_OF_TREE_DIR, scratch_, OTP_TEST_CXX_FLAGS);
  ASSERT_EQ(project.error, "");
  ASSERT_TRUE(fs::exists(project.prefix / "lib" / "cmake" / "otp-cpp" / "otp-cppConfig.cmake"));
  // The public headers are installed, the libraries' internal ones are not.
  EXPECT_TRUE(fs::exists(project.prefix / "include" / "otp" / "gen_server.hpp"));
  EXPECT_FALSE(fs::exists(project.prefix / "include" / "otp" / "detail"));
  EXPECT_FALSE(fs::exists(project.prefix / "include" / "otp" / "node_table.hpp"));
  const fs::path module = project.build / "greeter-1.0.so";
  ASSERT_TRUE(fs::exists(module)) << otp::test::tail_of(project.log);

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
