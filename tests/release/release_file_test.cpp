// Release files in YAML: every field, defaults, and positioned errors of each kind.
#include "otp/release_file.hpp"

#include <gtest/gtest.h>

#include "release_test_support.hpp"

namespace {

using otp::atom;
using otp::appup::start_type;
using otp::release::load_release_file;
using otp::release::parse_release;
using rel_test::expect_yaml_error;

constexpr const char* kFull = R"(name: myrel
vsn: "2.0"
applications:
  - {name: kernel, vsn: "8.5.3"}
  - name: counter
    vsn: "1.1.0"
    type: transient
  - {name: tools, vsn: "3.5", type: load}
  - {name: extra, vsn: "1", type: none}
  - {name: temp, vsn: "1", type: temporary}
  - {name: perm, vsn: "1", type: permanent}
)";

TEST(ReleaseFile, ParsesEveryField) {
  const auto rel = parse_release(kFull, "myrel.rel.yaml");
  EXPECT_EQ(rel.name, "myrel");
  EXPECT_EQ(rel.vsn, "2.0");
  ASSERT_EQ(rel.apps.size(), 6u);
  EXPECT_EQ(rel.apps[0].name, atom("kernel"));
  EXPECT_EQ(rel.apps[0].vsn, "8.5.3");
  EXPECT_EQ(rel.apps[0].type, start_type::permanent);  // the default
  EXPECT_EQ(rel.apps[1].name, atom("counter"));
  EXPECT_EQ(rel.apps[1].vsn, "1.1.0");
  EXPECT_EQ(rel.apps[1].type, start_type::transient);
  EXPECT_EQ(rel.apps[2].type, start_type::load);
  EXPECT_EQ(rel.apps[3].type, start_type::none);
  EXPECT_EQ(rel.apps[4].type, start_type::temporary);
  EXPECT_EQ(rel.apps[5].type, start_type::permanent);
  ASSERT_NE(rel.find(atom("counter")), nullptr);
  EXPECT_EQ(rel.find(atom("counter"))->vsn, "1.1.0");
}

TEST(ReleaseFile, EmptyApplicationListIsAllowed) {
  const auto rel = parse_release("name: r\nvsn: \"1\"\napplications: []\n");
  EXPECT_TRUE(rel.apps.empty());
}

TEST(ReleaseFile, LoadsFromDiskAndNamesTheFileInErrors) {
  rel_test::temp_dir dir;
  rel_test::write_file(dir.path() / "r.rel.yaml", kFull);
  EXPECT_EQ(load_release_file(dir.path() / "r.rel.yaml").apps.size(), 6u);
  rel_test::write_file(dir.path() / "bad.rel.yaml", "name: r\nvsn: \"1\"\napplications: {}\n");
  const std::string what =
      expect_yaml_error([&] { load_release_file(dir.path() / "bad.rel.yaml"); }, 3, 15, "must be a list");
  EXPECT_EQ(what.rfind((dir.path() / "bad.rel.yaml").string() + ":3:15: ", 0), 0u) << what;
  try {
    load_release_file(dir.path() / "missing.rel.yaml");
    ADD_FAILURE() << "no error for a missing file";
  } catch (const otp::appup::yaml_error& e) {
    EXPECT_EQ(e.line(), 0u);
    EXPECT_NE(std::string(e.what()).find("missing.rel.yaml"), std::string::npos);
  }
}

TEST(ReleaseFileErrors, BadSyntax) {
  expect_yaml_error([] { parse_release("name: r\nvsn: \"1\"\napplications: [{name: a, vsn: \"1\"}\n"); }, 4, 1,
                    "end of sequence flow not found");
}

TEST(ReleaseFileErrors, UnknownKeys) {
  expect_yaml_error([] { parse_release("name: r\nvsn: \"1\"\nerts: \"13\"\napplications: []\n"); }, 3, 1,
                    "unknown key 'erts' in the release; expected name, vsn, applications");
  expect_yaml_error([] { parse_release("name: r\nvsn: \"1\"\napplications:\n  - {name: a, vsn: \"1\", mode: x}\n"); },
                    4, 25, "unknown key 'mode' in an application entry");
}

TEST(ReleaseFileErrors, DuplicateKey) {
  expect_yaml_error([] { parse_release("name: r\nvsn: \"1\"\nvsn: \"2\"\napplications: []\n"); }, 3, 1,
                    "duplicate key 'vsn'");
}

TEST(ReleaseFileErrors, WrongTypes) {
  expect_yaml_error([] { parse_release("name: r\nvsn: [1]\napplications: []\n"); }, 2, 6,
                    "'vsn' must be a single value, got a list");
  expect_yaml_error([] { parse_release("name: r\nvsn: \"1\"\napplications:\n  - kernel\n"); }, 4, 5,
                    "an application entry must be a map, got 'kernel'");
  expect_yaml_error(
      [] { parse_release("name: r\nvsn: \"1\"\napplications:\n  - {name: a, vsn: \"1\", type: eager}\n"); }, 4, 31,
      "'type' must be permanent, transient, temporary, load or none, got 'eager'");
  expect_yaml_error([] { parse_release("- a\n- b\n"); }, 1, 1, "the release must be a map, got a list");
}

TEST(ReleaseFileErrors, MissingRequiredKeys) {
  expect_yaml_error([] { parse_release("name: r\napplications: []\n"); }, 1, 1,
                    "missing required key 'vsn' in the release");
  expect_yaml_error([] { parse_release("name: r\nvsn: \"1\"\n"); }, 1, 1, "missing required key 'applications'");
  expect_yaml_error([] { parse_release("name: r\nvsn: \"1\"\napplications:\n  - name: a\n    type: load\n"); }, 4, 5,
                    "missing required key 'vsn' in an application entry");
  // An empty value is reported at its key.
  expect_yaml_error([] { parse_release("name: r\nvsn:\napplications: []\n"); }, 2, 1, "'vsn' must be a single value");
}

TEST(ReleaseFileErrors, ApplicationListedTwice) {
  expect_yaml_error(
      [] {
        parse_release("name: r\nvsn: \"1\"\napplications:\n  - {name: a, vsn: \"1\"}\n  - {name: a, vsn: \"2\"}\n");
      },
      5, 12, "application 'a' is listed twice");
}

}  // namespace
