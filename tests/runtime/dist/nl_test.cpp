// nl: a module loaded here is pushed to every connected otp-cpp node, stored in each node's code
// path and loaded there (purge first); the caller gets every node's result.
#include <gtest/gtest.h>

#include <filesystem>

#include "dist_test_support.hpp"
#include "otp/code.hpp"
#include "otp/gen_server.hpp"
#include "otp/node.hpp"
#include "otp/runtime.hpp"

namespace otp::dist_test {
namespace {

const std::string cookie = "nlcookie";
const std::filesystem::path modules = OTP_DIST_TEST_MODULE_DIR;

term which_on(const test_node& n, atom module) {
  return gen_server::call(tuple(atom("test_srv"), n.node()), tuple(atom("which"), module));
}

TEST(Nl, PushesAModuleToTwoNodesAndReturnsEachResult) {
  otp::runtime rt(otp::runtime_options{.schedulers = 2});
  local_node me(cookie);
  temp_dir dir_a, dir_b;
  test_node a(cookie, {"codedir=" + dir_a.path.string()});
  test_node b(cookie, {"codedir=" + dir_b.path.string()});
  ASSERT_EQ(node::ping(a.node()), atom("pong"));
  ASSERT_EQ(node::ping(b.node()), atom("pong"));
  const atom nlmod("nlmod");
  EXPECT_EQ(which_on(a, nlmod), term(atoms::undefined));

  ASSERT_TRUE(code::load_abs(modules / "nlmod-1.so"));
  auto results = node::nl(nlmod);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.result, tuple(atoms::module, nlmod)) << r.node.text();
  for (const test_node* n : {&a, &b}) {
    const term info = which_on(*n, nlmod);
    ASSERT_TRUE(info.is_tuple(2)) << info.to_string();
    EXPECT_EQ(info[0], binary("1"));
  }
  EXPECT_TRUE(std::filesystem::exists(dir_a.path / "nlmod-1.so")) << "stored in the node's code path";
  EXPECT_TRUE(std::filesystem::exists(dir_b.path / "nlmod-1.so"));

  // A new version replaces it everywhere (purge first).
  ASSERT_TRUE(code::load(modules / "nlmod-2.so"));
  results = node::nl(nlmod);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.result, tuple(atoms::module, nlmod)) << r.node.text();
  EXPECT_EQ(which_on(a, nlmod)[0], binary("2"));
  EXPECT_EQ(which_on(b, nlmod)[0], binary("2"));
}

TEST(Nl, ANodeThatCannotLoadSaysWhyAndAGoneNodeIsABadrpc) {
  otp::runtime rt(otp::runtime_options{.schedulers = 2});
  local_node me(cookie);
  temp_dir dir;
  test_node a(cookie, {"codedir=" + dir.path.string()});
  ASSERT_EQ(node::ping(a.node()), atom("pong"));
  auto results = node::code_push(atom("nlmod"), "nlmod-9.so", "not a shared library", {a.node()});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].result.is_tuple(2) && results[0].result[0].is_atom(atoms::error))
      << results[0].result.to_string();
  results = node::code_push(atom("nlmod"), "nlmod-9.so", "x", {atom(unique_node("gone"))});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].result, tuple(atom("badrpc"), atoms::nodedown));
}

}  // namespace
}  // namespace otp::dist_test
