// The node agent on a booted seq release (seq_release_fixture.hpp): the supervision trees with
// modules, versions and restart counts; which; load; purge; stop.
#include "otp/node_agent.hpp"

#include <gtest/gtest.h>

#include "otp/term_text.hpp"
#include "seq_release_fixture.hpp"

namespace {

using namespace rel_test;
namespace agent = otp::release::node_agent;

class NodeAgent : public seq_release_test {};

const term* field(const term& map, const char* key) { return map.find(atom(key)); }

TEST_F(NodeAgent, StatusShowsEachApplicationsTreeWithModulesVersionsAndRestarts) {
  rt_.run([&] {
    start(options());
    ASSERT_EQ(agent::start_link([] {})[0], atom("ok"));
    const term a = child("a");
    otp::monitor(a);
    otp::exit(a, atom("kill"));
    ASSERT_TRUE(otp::receive([](const term& m) { return m.is_tuple(5); }, 5000ms));

    const term apps = agent::status();
    ASSERT_EQ(apps.elements().size(), 1u) << apps;
    const term& app = apps.elements()[0];
    EXPECT_EQ(*field(app, "app"), atom("seqapp"));
    EXPECT_EQ(*field(app, "vsn"), binary("1.0.0"));
    const term& tree = *field(app, "tree");
    EXPECT_EQ(*field(tree, "pid"), otp::whereis(atom("seq_sup")));
    EXPECT_EQ(*field(tree, "type"), atom("supervisor"));
    const auto children = field(tree, "children")->elements();
    ASSERT_EQ(children.size(), 2u) << tree;
    EXPECT_EQ(*field(children[0], "id"), atom("a")) << "in start order";
    EXPECT_EQ(*field(children[0], "module"), binary("seq_a"));
    EXPECT_EQ(*field(children[0], "vsn"), binary("1"));
    EXPECT_EQ(*field(children[0], "restarts"), term(1)) << "a was killed and restarted once";
    EXPECT_EQ(*field(children[0], "pid"), child("a"));
    EXPECT_EQ(*field(children[1], "id"), atom("b"));
    EXPECT_EQ(*field(children[1], "restarts"), term(0));
    EXPECT_EQ(field(children[1], "os_pid"), nullptr) << "not an OS-process child";
  });
}

TEST_F(NodeAgent, WhichLoadAndPurgeActOnTheNodesCode) {
  rt_.run([&] {
    start(options());
    ASSERT_EQ(agent::start_link([] {})[0], atom("ok"));
    EXPECT_EQ(agent::which(atom("nowhere")), atom("not_loaded"));
    const term w = agent::which(atom("seq_a"));
    EXPECT_EQ(*field(w, "behaviour"), binary("gen_server"));
    const term& current = *field(w, "current");
    EXPECT_EQ(*field(current, "vsn"), binary("1"));
    EXPECT_EQ(*field(current, "processes"), otp::list(child("a")));
    EXPECT_EQ(field(w, "old"), nullptr);

    EXPECT_EQ(agent::load(atom("seq_a")), tuple(atom("module"), atom("seq_a"))) << "c:l from the code path";
    EXPECT_EQ(*field(*field(agent::which(atom("seq_a")), "old"), "vsn"), binary("1"));
    EXPECT_EQ(agent::purge(atom("seq_a"), true), atom("true")) << "nobody runs the old code";
    EXPECT_EQ(field(agent::which(atom("seq_a")), "old"), nullptr);
    EXPECT_EQ(agent::purge(atom("seq_a"), false), atom("false")) << "nothing killed";
    const term missing = agent::load(atom("nowhere"));
    EXPECT_EQ(missing[0], atom("error"));
    EXPECT_EQ(missing[1], atom("nofile"));
  });
}

TEST_F(NodeAgent, StopRunsTheNodesStopFunction) {
  rt_.run([&] {
    const term me = otp::self();
    ASSERT_EQ(agent::start_link([me] { otp::send(me, atom("stopping")); })[0], atom("ok"));
    EXPECT_EQ(agent::stop(), atom("ok"));
    EXPECT_TRUE(otp::receive([](const term& m) { return m == atom("stopping"); }, 5000ms));
  });
}

}  // namespace
