// The code server never opens a file outside its code path when it looks a module up by name
// (load_file, load, start_link, spawn): a name that is not a plain file name ("../x/evil") and a
// module file that is a symbolic link are not loaded, and nothing of them is opened — checked with
// a library whose constructor leaves a marker file (tests/release/modules/opened_marker.cpp).
// load_abs(Path), like Erlang's code:load_abs, loads the file it is given: a caller that names a
// file chose it.
#include <gtest/gtest.h>

#include "code_test_support.hpp"

namespace otp_test {
namespace {

fs::path opened_marker() { return fs::path(OTP_OPENED_MARKER_DIR) / ("opened-" + std::to_string(::getpid())); }

class CodePath : public Code {
 protected:
  void SetUp() override {
    Code::SetUp();
    outside_ = scratch_.string() + "-outside";
    fs::create_directories(outside_);
    fs::copy_file(OTP_OPENED_MARKER, outside_ / "evil.so", fs::copy_options::overwrite_existing);
    fs::remove(opened_marker());
  }
  void TearDown() override {
    EXPECT_FALSE(fs::exists(opened_marker())) << "a library outside the code path was opened";
    fs::remove(opened_marker());
    fs::remove_all(outside_);
    Code::TearDown();
  }
  fs::path outside_;
};

TEST_F(CodePath, ANameThatIsNotAFileNameIsNotLookedUp) {
  const atom evil("../" + outside_.filename().string() + "/evil");
  ASSERT_TRUE(fs::exists(scratch_ / (std::string(evil.text()) + ".so"))) << "the name would reach the library";
  EXPECT_EQ(code::find_in_path(evil), std::nullopt);
  rt_.run([&] {
    const code::load_result r = code::load_file(evil);
    EXPECT_EQ(r.to_term(), otp::tuple(atoms::error, "nofile"_a));
    EXPECT_EQ(r.message, std::string(evil.text()) +
                             ": not a module name that can be a file name (it contains '/'); nothing loaded");
    EXPECT_FALSE(code::load(evil));
    EXPECT_EQ(code::start_link(evil, term()), otp::tuple(atoms::error, otp::tuple("undef"_a, evil)));
  });
}

TEST_F(CodePath, AModuleFileThatIsALinkIsNotLoaded) {
  fs::create_symlink(outside_ / "evil.so", scratch_ / "evil.so");
  fs::create_symlink(outside_ / "evil.so", scratch_ / "sneaky-1.so");
  EXPECT_EQ(code::find_in_path("evil"_a), std::nullopt);
  EXPECT_EQ(code::find_in_path("sneaky"_a), std::nullopt);
  stage("counter-1.so");
  EXPECT_EQ(code::find_in_path("counter"_a), scratch_ / "counter-1.so") << "plain files still load";
  rt_.run([&] {
    EXPECT_EQ(code::load_file("evil"_a).to_term(), otp::tuple(atoms::error, "nofile"_a));
    EXPECT_EQ(code::load("sneaky"_a).to_term(), otp::tuple(atoms::error, "nofile"_a));
    EXPECT_TRUE(code::load_file("counter"_a));
  });
}

}  // namespace
}  // namespace otp_test
