// otpctl on two real nodes as one cluster (docs/cluster.md): relup --nodes installs everywhere
// (the second node gets the release from the first), cluster status says whether they agree,
// rollback --cluster and permanent --nodes act on both, usage errors exit 2; in a cluster with a
// real Erlang node, --cluster acts on the otp-cpp node and names the Erlang node as not taking part.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "../support/child_process.hpp"
#include "node_test_support.hpp"

namespace {

using namespace otpctl_node_test;
namespace json = boost::json;

json::value cluster_status(const test_node& node, const std::string& nodes) {
  const outcome r = otpctl_at(node, "cluster", {"--nodes", nodes, "--json", "status"});
  EXPECT_LE(r.code, 1) << r.err;
  return json::parse(r.out);
}

TEST(OtpctlCluster, RelupRollbackAndPermanentActOnEveryNodeOfTheCluster) {
  counter_root root_a, root_b;
  test_node a(root_a);
  test_node b(root_b);
  const std::string both = a.name() + "," + b.name();
  ASSERT_EQ(otpctl_at(a, "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);
  ASSERT_EQ(otpctl_at(b, "cast", {"counter", "{increment, 9}"}).code, 0);

  const outcome up = otpctl_at(a, "relup", {"--nodes", both, "1.1.0"});
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  EXPECT_NE(up.out.find("node " + b.name() + ": ok"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find(": committed"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("the nodes agree"), std::string::npos) << up.out;
  EXPECT_EQ(otpctl_at(b, "call", {"counter", "get"}).out, "9\n") << "b got 1.1.0 from a and kept its sum";
  EXPECT_EQ(otpctl_at(b, "call", {"counter", "reset"}).out, "ok\n");

  json::value status = cluster_status(a, both);
  EXPECT_TRUE(status.at("agree").as_bool());
  EXPECT_EQ(status.at("nodes").as_array()[1].at("current").as_string(), "1.1.0");

  // a is now connected to b (it sent b the release): --cluster finds b from a.
  const outcome back = otpctl_at(a, "rollback", {"--cluster", "--json"});
  ASSERT_EQ(back.code, 0) << back.out << back.err;
  const json::value rolled = json::parse(back.out);
  EXPECT_TRUE(rolled.at("committed").as_bool());
  EXPECT_EQ(rolled.at("nodes").as_array().size(), 2u);
  EXPECT_EQ(otpctl_at(b, "call", {"counter", "reset"}).out, "{error,{unknown_call,reset}}\n") << "b runs 1.0.0";

  ASSERT_EQ(otpctl_at(a, "relup", {"--cluster", "1.1.0"}).code, 0);
  const outcome permanent = otpctl_at(a, "permanent", {"--nodes", both, "1.1.0"});
  EXPECT_EQ(permanent.code, 0) << permanent.err;
  status = cluster_status(a, both);
  EXPECT_EQ(status.at("nodes").as_array()[0].at("permanent").as_string(), "1.1.0");
  EXPECT_EQ(status.at("nodes").as_array()[1].at("permanent").as_string(), "1.1.0");
  EXPECT_EQ(otpctl_at(a, "cluster", {"--cluster", "sync"}).code, 2) << "cluster takes --nodes only";
}

TEST(OtpctlCluster, AClusterThatCannotPrepareEverywhereChangesNothing) {
  counter_root root_a, root_b;
  test_node a(root_a);
  test_node b(root_b);
  ASSERT_EQ(otpctl_at(a, "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);
  // b has no 1.1.0 and the coordinator names a third node that does not exist: the operation stops
  // before any node prepares.
  const outcome r = otpctl_at(a, "relup", {"--nodes", a.name() + "," + b.name() + ",ghost@127.0.0.1", "1.1.0"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("not committed, nothing changed"), std::string::npos) << r.out;
  EXPECT_EQ(otpctl_at(a, "call", {"counter", "reset"}).out, "{error,{unknown_call,reset}}\n");
  const outcome bad = otpctl_at(a, "relup", {"--nodes", "nohost", "1.1.0"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_EQ(otpctl_at(a, "relup", {"--cluster", "--nodes", a.name(), "1.1.0"}).code, 2);
}

TEST(OtpctlCluster, InAMixedClusterTheErlangNodeTakesNoPart) {
  counter_root root;
  test_node a(root);
  const std::string erl_name = "erl" + unique_node();
  otp::test::child_process erl({"erl", "-name", erl_name, "-setcookie", cookie, "-noshell", "-eval",
                                "io:format(\"~w~n\", [net_adm:ping('" + a.name() + "')])."});
  ASSERT_EQ(erl.read_line(std::chrono::seconds(20)), std::optional<std::string>("pong"));
  ASSERT_EQ(otpctl_at(a, "unpack", {"--vsn", "1.1.0", example_counter_root().string()}).code, 0);

  const outcome up = otpctl_at(a, "relup", {"--cluster", "1.1.0"});
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  EXPECT_NE(up.out.find("node " + a.name() + ": ok"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find("node " + erl_name + ": not taking part"), std::string::npos) << up.out;
  EXPECT_NE(up.out.find(": committed"), std::string::npos) << up.out;
  EXPECT_EQ(otpctl_at(a, "call", {"counter", "reset"}).out, "ok\n") << "the otp-cpp node runs 1.1.0";

  const outcome status = otpctl_at(a, "cluster", {"--json", "status"});
  ASSERT_EQ(status.code, 0) << status.out << status.err;
  const json::value st = json::parse(status.out);
  EXPECT_TRUE(st.at("agree").as_bool());
  ASSERT_EQ(st.at("nodes").as_array().size(), 1u) << status.out;
  EXPECT_EQ(st.at("nodes").as_array()[0].at("current").as_string(), "1.1.0");
  EXPECT_EQ(st.at("not_taking_part"), json::value(json::array{json::value(erl_name)})) << status.out;

  // rollback --cluster the same way, in JSON: back to the permanent 1.0.0 on the otp-cpp node only.
  const outcome back = otpctl_at(a, "rollback", {"--cluster", "--json"});
  ASSERT_EQ(back.code, 0) << back.out << back.err;
  const json::value rolled = json::parse(back.out);
  ASSERT_EQ(rolled.at("nodes").as_array().size(), 1u) << back.out;
  EXPECT_EQ(rolled.at("nodes").as_array()[0].at("node").as_string(), a.name());
  EXPECT_EQ(rolled.at("not_taking_part"), json::value(json::array{json::value(erl_name)})) << back.out;
  EXPECT_EQ(otpctl_at(a, "call", {"counter", "reset"}).out, "{error,{unknown_call,reset}}\n") << "1.0.0 again";
}

}  // namespace
