// A node running a release, called from a real Erlang node (erl) with rpc: the release's functions
// answer in OTP's shapes (strings as charlists), and init:stop/0 stops the node as Erlang's does.
#include <gtest/gtest.h>

#include <string>

#include "../support/child_process.hpp"
#include "node_test_support.hpp"

namespace otpctl_node_test {
namespace {

// An erl that evaluates `expressions` (with N bound to the node's name) and halts; each answer is
// printed as "<label> <value>" on one line.
otp::test::child_process erl_evaluating(const test_node& node, const std::string& expressions) {
  return otp::test::child_process({"erl", "-noshell", "-name", unique_node(), "-setcookie", cookie, "-eval",
                                   "N = '" + node.name() + "', " + expressions + ", halt()."});
}

std::string answer(otp::test::child_process& erl, const std::string& label) {
  return erl.expect_line(label + " ", must_happen_within).substr(label.size() + 1);
}

TEST(NodeRpc, ReleaseAndApplicationsAnswerInOtpsShapes) {
  counter_root root;
  test_node node(root);
  auto erl = erl_evaluating(node,
                            "io:format(\"releases ~999p~n\", [rpc:call(N, release_handler, which_releases, [])]), "
                            "io:format(\"permanent ~999p~n\", [rpc:call(N, release_handler, which_releases, "
                            "[permanent])]), "
                            "io:format(\"old ~999p~n\", [rpc:call(N, release_handler, which_releases, [old])]), "
                            "io:format(\"applications ~999p~n\", [rpc:call(N, application, which_applications, [])])");
  EXPECT_EQ(answer(erl, "releases"), R"([{"counter","1.0.0",["counter-1.0.0"],permanent}])");
  EXPECT_EQ(answer(erl, "permanent"), R"([{"counter","1.0.0",["counter-1.0.0"],permanent}])");
  EXPECT_EQ(answer(erl, "old"), "[]");
  EXPECT_EQ(answer(erl, "applications"), R"([{counter,"The counter: a gen_server keeping a sum","1.0.0"}])");
}

TEST(NodeRpc, ReleaseHandlerCalledByErlangAnswersInOtpsShape) {
  counter_root root;
  test_node node(root);
  auto erl =
      erl_evaluating(node, "io:format(\"releases ~999p~n\", [gen_server:call({release_handler, N}, which_releases)])");
  EXPECT_EQ(answer(erl, "releases"), R"([{"counter","1.0.0",["counter-1.0.0"],permanent}])");
}

TEST(NodeRpc, InitStopStopsTheNode) {
  counter_root root;
  test_node node(root);
  auto erl = erl_evaluating(node, "io:format(\"stop ~p~n\", [rpc:call(N, init, stop, [])])");
  EXPECT_EQ(answer(erl, "stop"), "ok");
  EXPECT_TRUE(node.exits());
}

}  // namespace
}  // namespace otpctl_node_test
