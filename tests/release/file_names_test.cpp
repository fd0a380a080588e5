// Names read from release files that become parts of file names — module names, application names,
// release and application versions — are plain file names (otp/file_name.hpp): the application
// and release parsers refuse "../x", "a/b", a NUL, "..", an empty or an overlong name with a
// positioned error, and the names they accept are the ones otp-cpp's releases use. (An appup's
// module names are atoms only: the files loaded are those of the application file's modules.)
#include <gtest/gtest.h>

#include <string>

#include "otp/application_file.hpp"
#include "otp/file_name.hpp"
#include "otp/release_file.hpp"
#include "release_test_support.hpp"

namespace {

using otp::file_name_problem;
using rel_test::expect_yaml_error;

TEST(FileNames, ThePlainFileNameRule) {
  for (const std::string ok : {"counter", "counter_store", "1.1.0", "8.5.3", "1.0.0-rc.1", "1.0+build.5", "_x", "a@b"})
    EXPECT_FALSE(file_name_problem(ok)) << ok;
  EXPECT_EQ(file_name_problem(""), "it is empty");
  EXPECT_EQ(file_name_problem("../../x"), "it contains '/'");
  EXPECT_EQ(file_name_problem("a/b"), "it contains '/'");
  EXPECT_EQ(file_name_problem(".."), "it contains '..'");
  EXPECT_EQ(file_name_problem("1..2"), "it contains '..'");
  EXPECT_EQ(file_name_problem(".hidden"), "it starts with '.'");
  EXPECT_EQ(file_name_problem("-x"), "it starts with '-'");
  EXPECT_EQ(file_name_problem(std::string("a\0b", 3)), "it contains a NUL byte");
  EXPECT_EQ(file_name_problem("a b"), "it contains ' '");
  EXPECT_EQ(file_name_problem("caf\xc3\xa9"), "it contains the byte 0xc3");
  EXPECT_FALSE(file_name_problem(std::string(128, 'a')));
  EXPECT_EQ(file_name_problem(std::string(129, 'a')), "it is 129 bytes long (at most 128)");
}

TEST(FileNames, AnApplicationFileRefusesModuleAndApplicationNamesThatAreNotFileNames) {
  auto app = [](const std::string& body) { return [body] { otp::release::parse_application(body, "evil.app.yaml"); }; };
  const std::string e = expect_yaml_error(
      app("name: evil\nvsn: \"1\"\nmodules: [ok, \"../../../../tmp/x/evil\"]\n"), 3, 15,
      "each entry of 'modules' must be a plain file name, got '../../../../tmp/x/evil': it contains '/'");
  EXPECT_EQ(e.rfind("evil.app.yaml:3:15: ", 0), 0u) << e;
  expect_yaml_error(app("name: \"a/b\"\nvsn: \"1\"\n"), 1, 7, "'name' must be a plain file name");
  expect_yaml_error(app("name: evil\nvsn: \"../1\"\n"), 2, 6, "'vsn' must be a plain file name, got '../1'");
  expect_yaml_error(app("name: evil\nvsn: \"1\"\nmodules: [\"a\\0b\"]\n"), 3, 11, "it contains a NUL byte");
  expect_yaml_error(app("name: evil\nvsn: \"1\"\napplications: [\"..\"]\n"), 3, 16,
                    "each entry of 'applications' must be a plain file name, got '..'");
  // Registered names and child ids are atoms, not file names: any atom goes.
  EXPECT_NO_THROW(otp::release::parse_application(
      "name: ok\nvsn: \"1\"\nregistered: [\"a/b\"]\nsupervisor:\n  children:\n    - {id: \"x/y\", start: m}\n"));
}

TEST(FileNames, AReleaseFileRefusesVersionsAndApplicationNamesThatAreNotFileNames) {
  auto rel = [](const std::string& body) { return [body] { otp::release::parse_release(body, "evil.rel.yaml"); }; };
  expect_yaml_error(rel("name: r\nvsn: \"../../2.0\"\napplications: []\n"), 2, 6, "'vsn' must be a plain file name");
  expect_yaml_error(rel("name: r\nvsn: \"2.0\"\napplications:\n  - {name: \"../lib\", vsn: \"1\"}\n"), 4, 12,
                    "'name' must be a plain file name, got '../lib'");
  expect_yaml_error(rel("name: r\nvsn: \"2.0\"\napplications:\n  - {name: app, vsn: \"1/../..\"}\n"), 4, 22,
                    "'vsn' must be a plain file name");
}

}  // namespace
