// otpctl's connection to a node and the commands that only look at it: ping, nodes, status, stop,
// and what every node command does when the node is missing, refuses otpctl's cookie, or the
// command line is wrong. Real nodes (otp_cli_test_node) on 127.0.0.1, otpctl as a child process.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "node_test_support.hpp"

namespace {

using namespace otpctl_node_test;
namespace json = boost::json;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(OtpctlNode, PingAnswersPongForARunningNodeAndPangForAMissingOne) {
  counter_root root;
  test_node node(root);
  const outcome pong = otpctl_at(node, "ping");
  EXPECT_EQ(pong.code, 0) << pong.err;
  EXPECT_EQ(pong.out, "pong\n");
  EXPECT_EQ(pong.err, "");

  const std::string missing = unique_node();
  const outcome pang = otpctl({"ping", "--node", missing, "--cookie", cookie});
  EXPECT_EQ(pang.code, 1);
  EXPECT_EQ(pang.out, "pang\n");
  EXPECT_EQ(pang.err, "otpctl ping: node " + missing + " is not running: EPMD on 127.0.0.1 knows no node named '" +
                          missing.substr(0, missing.find('@')) + "'\n");
}

TEST(OtpctlNode, AWrongCookieIsRefusedAndTheMessageSaysSo) {
  counter_root root;
  test_node node(root);
  for (const std::string command : {"ping", "status", "releases"}) {
    const outcome r = otpctl({command, "--node", node.name(), "--cookie", "not_the_cookie"});
    EXPECT_EQ(r.code, 1) << command;
    EXPECT_EQ(r.err, "otpctl " + command + ": node " + node.name() +
                         " refused the connection: most likely a wrong cookie (--cookie does not match the node's), "
                         "or the node uses distribution over TLS (give --tls-cert, --tls-key and --tls-ca)\n");
  }
}

// A node that does not answer the handshake in time (stopped here with SIGSTOP, as a node too busy
// to run its distribution would be) is called busy, never a cookie problem.
TEST(OtpctlNode, ANodeThatDoesNotAnswerInTimeIsCalledBusyNotAWrongCookie) {
  counter_root root;
  test_node node(root);
  ASSERT_EQ(::kill(node.pid(), SIGSTOP), 0);
  const outcome r = otpctl({"ping", "--node", node.name(), "--cookie", cookie, "--timeout", "1500"});
  ::kill(node.pid(), SIGCONT);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "is running but did not complete the connection in time")) << r.err;
  EXPECT_TRUE(contains(r.err, "busy")) << r.err;
  EXPECT_FALSE(contains(r.err, "cookie")) << r.err;
  EXPECT_EQ(otpctl_at(node, "ping").out, "pong\n") << "the node answers again once it runs";
}

TEST(OtpctlNode, EveryNodeCommandFailsOnAnUnreachableNode) {
  const std::string missing = unique_node();
  const std::vector<std::vector<std::string>> commands = {{"stop"},
                                                          {"nodes"},
                                                          {"status"},
                                                          {"releases"},
                                                          {"relup", "1.1.0"},
                                                          {"history"},
                                                          {"which", "counter"},
                                                          {"call", "counter", "get"},
                                                          {"rollback"},
                                                          {"permanent", "1.0.0"}};
  for (std::vector<std::string> args : commands) {
    const std::string command = args[0];
    args.insert(args.begin() + 1, {"--node", missing, "--cookie", cookie});
    const outcome r = otpctl(args);
    EXPECT_EQ(r.code, 1) << command;
    EXPECT_EQ(r.out, "") << command;
    EXPECT_TRUE(contains(r.err, "otpctl " + command + ": node " + missing + " is not running")) << r.err;
  }
}

TEST(OtpctlNode, AWrongCommandLineExitsTwoBeforeConnecting) {
  const struct {
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {{"ping"}, "otpctl ping: the option '--node' is required but missing"},
      {{"status", "--node", "no_host"}, "otpctl status: --node 'no_host' is not a node name of the form name@host"},
      {{"status", "--node", "a@b", "--timeout", "0"}, "--timeout must be a positive number of milliseconds"},
      {{"relup", "--node", "a@127.0.0.1"}, "otpctl relup: no VSN"},
      {{"call", "--node", "a@127.0.0.1", "counter"}, "otpctl call: no TERM"},
      {{"call", "--node", "a@127.0.0.1", "counter", "{increment, 3"}, "otpctl call: TERM: 1:14: "},
      {{"cast", "--node", "a@127.0.0.1", "counter", "{increment, X}"}, "otpctl cast: TERM: 1:13: "},
      {{"send", "--node", "a@127.0.0.1"}, "otpctl send: no NAME"},
      {{"load", "--node", "a@127.0.0.1"}, "otpctl load: no MODULE"},
      {{"history", "--node", "a@127.0.0.1", "--limit", "0"}, "--limit must be a positive number"},
      {{"unpack", "--node", "a@127.0.0.1", example_counter_root().string()},
       "holds releases 1.0.0, 1.1.0: pick one with --vsn"},
      {{"nodes", "--node", "a@127.0.0.1", "extra"}, "otpctl nodes: too many positional options"},
  };
  for (const auto& c : cases) {
    const outcome r = otpctl(c.args);
    EXPECT_EQ(r.code, 2) << ::testing::PrintToString(c.args) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(contains(r.err, c.says)) << "'" << c.says << "' not in: " << r.err;
  }
}

TEST(OtpctlNode, EveryNodeCommandHasHelp) {
  for (const std::string command :
       {"stop", "ping", "nodes", "status", "releases", "unpack", "relup", "permanent", "rollback", "remove", "history",
        "load", "purge", "which", "call", "cast", "send", "application", "config"}) {
    const outcome r = otpctl({command, "--help"});
    EXPECT_EQ(r.code, 0) << command;
    EXPECT_TRUE(r.out.starts_with("Usage: otpctl " + command + " --node NAME@HOST")) << r.out;
    EXPECT_TRUE(contains(r.out, "--cookie")) << r.out;
    EXPECT_TRUE(contains(r.out, "--timeout")) << r.out;
    const outcome top = otpctl({"--help"});
    EXPECT_TRUE(contains(top.out, "  " + command + " ")) << command;
  }
}

TEST(OtpctlNode, StatusShowsTheSupervisionTreeAsTextAndJson) {
  counter_root root;
  test_node node(root);
  const outcome text = otpctl_at(node, "status");
  ASSERT_EQ(text.code, 0) << text.err;
  const std::vector<std::string> l = lines(text.out);
  ASSERT_EQ(l.size(), 3u) << text.out;
  EXPECT_EQ(l[0], "counter 1.0.0");
  // The top supervisor's id is its application's name.
  EXPECT_TRUE(l[1].starts_with("  counter  <")) << l[1];
  EXPECT_TRUE(contains(l[1], "  supervisor  module=counter_sup  restarts=0")) << l[1];
  EXPECT_TRUE(l[2].starts_with("    counter  <")) << l[2];
  EXPECT_TRUE(contains(l[2], "  worker  module=counter vsn=1  restarts=0")) << l[2];

  const outcome as_json = otpctl_at(node, "status", {"--json"});
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  const json::value v = json::parse(as_json.out);
  const json::array& apps = v.as_array();
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0].at("app").as_string(), "counter");
  EXPECT_EQ(apps[0].at("vsn").as_string(), "1.0.0");
  const json::object& sup = apps[0].at("tree").as_object();
  EXPECT_EQ(sup.at("id").as_string(), "counter");
  EXPECT_EQ(sup.at("type").as_string(), "supervisor");
  EXPECT_EQ(sup.at("module").as_string(), "counter_sup");
  const json::object& worker = sup.at("children").as_array().at(0).as_object();
  EXPECT_EQ(worker.at("id").as_string(), "counter");
  EXPECT_EQ(worker.at("module").as_string(), "counter");
  EXPECT_EQ(worker.at("vsn").as_string(), "1");
  EXPECT_EQ(worker.at("restarts").to_number<int>(), 0);
  EXPECT_TRUE(worker.at("pid").as_string().starts_with("<"));
}

TEST(OtpctlNode, NodesListsTheConnectedNodesButNotOtpctl) {
  counter_root root_a;
  counter_root root_b;
  test_node a(root_a);
  test_node b(root_b, a.name());
  ASSERT_EQ(b.ready_line(), "ready");
  const outcome text = otpctl_at(a, "nodes");
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(lines(text.out), (std::vector<std::string>{"NODE" + std::string(b.name().size() - 2, ' ') + "TYPE",
                                                       b.name() + "  visible"}));
  const outcome as_json = otpctl_at(a, "nodes", {"--json"});
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  const json::value v = json::parse(as_json.out);
  EXPECT_EQ(v.at("node").as_string(), a.name());
  EXPECT_EQ(v.at("visible").as_array(), json::array({json::string(b.name())}));
  EXPECT_TRUE(v.at("hidden").as_array().empty());
}

TEST(OtpctlNode, StopEndsTheNodeAndItAnswersPangAfterwards) {
  counter_root root;
  test_node node(root);
  const outcome r = otpctl_at(node, "stop");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "node " + node.name() + " stopped\n");
  EXPECT_TRUE(node.exits());
  const outcome pang = otpctl_at(node, "ping");
  EXPECT_EQ(pang.code, 1);
  EXPECT_EQ(pang.out, "pang\n");
}

}  // namespace
