// otpctl's code and message commands against real nodes running the counter example: which, load
// (here and, across two connected nodes, everywhere), purge, and call / cast / send with terms in
// Erlang syntax, their exit codes and JSON output.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "node_test_support.hpp"

namespace {

using namespace otpctl_node_test;
namespace json = boost::json;

TEST(OtpctlCode, WhichShowsTheLoadedVersionAndItsProcesses) {
  counter_root root;
  test_node node(root);
  const outcome text = otpctl_at(node, "which", {"counter"});
  ASSERT_EQ(text.code, 0) << text.err;
  const std::vector<std::string> l = lines(text.out);
  ASSERT_EQ(l.size(), 3u) << text.out;
  EXPECT_EQ(l[0], "counter (gen_server)");
  EXPECT_TRUE(l[1].starts_with("  current  vsn 1  " + (root.root() / "lib" / "counter-1.0.0").string())) << l[1];
  EXPECT_TRUE(l[2].starts_with("    <")) << l[2];

  const outcome as_json = otpctl_at(node, "which", {"counter", "--json"});
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  const json::value v = json::parse(as_json.out);
  EXPECT_EQ(v.at("module").as_string(), "counter");
  EXPECT_EQ(v.at("behaviour").as_string(), "gen_server");
  EXPECT_EQ(v.at("current").at("vsn").as_string(), "1");
  EXPECT_EQ(v.at("current").at("processes").as_array().size(), 1u);
  EXPECT_FALSE(v.as_object().contains("old"));

  const outcome unknown = otpctl_at(node, "which", {"no_such_module"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(unknown.err, "otpctl which: module no_such_module is not loaded on node " + node.name() + "\n");
}

TEST(OtpctlCode, LoadMakesANewVersionCurrentAndPurgeRemovesTheOldOne) {
  counter_root root;
  test_node node(root);
  const outcome loaded = otpctl_at(node, "load", {"counter"});
  ASSERT_EQ(loaded.code, 0) << loaded.err;
  EXPECT_EQ(loaded.out, node.name() + ": loaded counter\n");
  const outcome text = otpctl_at(node, "which", {"counter"});
  const std::vector<std::string> l = lines(text.out);
  ASSERT_EQ(l.size(), 5u) << text.out;
  EXPECT_TRUE(l[1].starts_with("  current  vsn 1  ")) << text.out;
  EXPECT_TRUE(l[2].starts_with("    <")) << text.out << "the counter moved to the new code at once";
  EXPECT_TRUE(l[3].starts_with("  old      vsn 1  ")) << text.out;
  EXPECT_EQ(l[4], "    (no processes)");

  const outcome soft = otpctl_at(node, "purge", {"counter", "--soft"});
  ASSERT_EQ(soft.code, 0) << soft.err;
  EXPECT_EQ(soft.out, "purged the old code of counter on node " + node.name() + "\n");
  const json::value after_purge = json::parse(otpctl_at(node, "which", {"counter", "--json"}).out);
  EXPECT_FALSE(after_purge.as_object().contains("old")) << after_purge;
  EXPECT_EQ(after_purge.at("current").at("processes").as_array().size(), 1u) << after_purge;
  const outcome brutal = otpctl_at(node, "purge", {"counter"});
  ASSERT_EQ(brutal.code, 0) << brutal.err;
  EXPECT_EQ(brutal.out, "purged the old code of counter on node " + node.name() + "\n") << "nothing was killed";
  EXPECT_EQ(otpctl_at(node, "call", {"counter", "get"}).out, "0\n") << "the counter kept running";

  const outcome unknown_load = otpctl_at(node, "load", {"no_such_module"});
  EXPECT_EQ(unknown_load.code, 1);
  EXPECT_EQ(unknown_load.out, "");
  EXPECT_TRUE(unknown_load.err.starts_with("otpctl load: " + node.name() + ": cannot load no_such_module: "))
      << unknown_load.err;
  const outcome unknown_purge = otpctl_at(node, "purge", {"no_such_module"});
  EXPECT_EQ(unknown_purge.code, 1);
  EXPECT_EQ(unknown_purge.err, "otpctl purge: module no_such_module is not loaded on node " + node.name() + "\n");
}

TEST(OtpctlCode, LoadOnAllNodesReachesEveryConnectedNode) {
  counter_root root_a;
  counter_root root_b;
  test_node a(root_a);
  test_node b(root_b, a.name());
  ASSERT_EQ(b.ready_line(), "ready");
  const outcome text = otpctl_at(a, "load", {"counter", "--all-nodes"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.out, a.name() + ": loaded counter\n" + b.name() + ": loaded counter\n");
  const json::value on_b = json::parse(otpctl_at(b, "which", {"counter", "--json"}).out);
  EXPECT_TRUE(on_b.as_object().contains("old")) << "b loaded a new version: " << on_b;

  const outcome as_json = otpctl_at(a, "load", {"counter", "--all-nodes", "--json"});
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out),
            json::parse(R"([{"node":")" + a.name() + R"(","ok":true,"result":"{module,counter}"},{"node":")" +
                        b.name() + R"(","ok":true,"result":"{module,counter}"}])"));

  const outcome unknown = otpctl_at(a, "load", {"no_such_module", "--all-nodes", "--json"});
  EXPECT_EQ(unknown.code, 1);
  const json::value failed = json::parse(unknown.out);
  ASSERT_EQ(failed.as_array().size(), 1u) << "a failure here sends nothing on: " << failed;
  EXPECT_FALSE(failed.at(0).at("ok").as_bool());
}

TEST(OtpctlMessages, CallCastAndSendReachTheCounter) {
  counter_root root;
  test_node node(root);
  const outcome cast = otpctl_at(node, "cast", {"counter", "{increment, 40}"});
  EXPECT_EQ(cast.code, 0) << cast.err;
  EXPECT_EQ(cast.out, "ok\n");
  EXPECT_EQ(otpctl_at(node, "cast", {"counter", "{increment, 2}."}).code, 0) << "a trailing dot is fine";
  const outcome get = otpctl_at(node, "call", {"counter", "get"});
  EXPECT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.out, "42\n");
  const outcome odd = otpctl_at(node, "call", {"counter", "{what, <<\"is\">>, [1, 2.5, #{k => v}]}"});
  EXPECT_EQ(odd.code, 0) << odd.err;
  EXPECT_EQ(odd.out, "{error,{unknown_call,{what,<<\"is\">>,[1,2.5,#{k => v}]}}}\n");
  const outcome as_json = otpctl_at(node, "call", {"counter", "{what, <<\"is\">>, [1, 2.5, #{k => v}]}", "--json"});
  EXPECT_EQ(as_json.code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out), json::parse(R"(["error",["unknown_call",["what","is",[1,2.5,{"k":"v"}]]]])"));
  // The JSON mapping's corners: an improper list, a binary that is not UTF-8, booleans, a float.
  const outcome corners = otpctl_at(node, "call", {"counter", "{[1|2], <<1,255>>, true, 1.0e300, 'héllo'}", "--json"});
  EXPECT_EQ(corners.code, 0) << corners.err;
  EXPECT_EQ(json::parse(corners.out),
            json::parse(R"(["error",["unknown_call",[[1,2],"<<1,255>>",true,1e300,"héllo"]]])"));
  const outcome sent = otpctl_at(node, "send", {"counter", "hello"});
  EXPECT_EQ(sent.code, 0) << sent.err;
  EXPECT_EQ(sent.out, "ok\n");
  EXPECT_EQ(otpctl_at(node, "call", {"counter", "get"}).out, "42\n") << "the counter ignored the plain message";
}

TEST(OtpctlMessages, AMissingNameIsNoprocAndExitsOne) {
  counter_root root;
  test_node node(root);
  const std::string explained = "no process is registered as 'nobody' on node " + node.name() + " (noproc)\n";
  for (const std::string command : {"call", "cast", "send"}) {
    const outcome r = otpctl_at(node, command, {"nobody", "hello"});
    EXPECT_EQ(r.code, 1) << command;
    EXPECT_EQ(r.out, "") << command;
    EXPECT_EQ(r.err, "otpctl " + command + ": " + explained);
  }
}

TEST(OtpctlMessages, ACallThatGetsNoReplyInTimeFails) {
  counter_root root;
  test_node node(root);
  const outcome r = otpctl_at(node, "call", {"black_hole", "hello", "--timeout", "300"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "otpctl call: 'black_hole' on node " + node.name() + " did not answer in time\n");
}

}  // namespace
