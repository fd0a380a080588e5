// global with real Erlang/OTP nodes: sync, names registered on either side, the mesh that forms
// through global's node lists, connect_all off, hidden connections (docs/distribution.md#global).
#include "otp/global.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "dist_test_support.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace otp::dist_test {
namespace {

const std::string cookie = "globalcookie";

bool connected_to(atom n) {
  const auto all = node::nodes();
  return std::find(all.begin(), all.end(), n) != all.end();
}

// global:sync() on the erl node, in a process of its own: its time in ms, or "hung" after 3 s.
std::string erl_sync_ms(erl_node& erl) {
  return erl.eval(
      "Self = self(), spawn(fun() -> Self ! {synced, timer:tc(global, sync, [])} end), "
      "receive {synced, {T, ok}} -> T div 1000 after 3000 -> hung end.");
}

// A process here that forwards every message it gets to `to`.
term forwarder(const term& to) {
  return spawn([to] {
    for (;;) send(to, receive());
  });
}

class Global : public testing::Test {
 protected:
  otp::runtime rt{otp::runtime_options{.schedulers = 2}};

  // global::sync() here, within `limit`: false when it did not return.
  bool our_sync_returns(milliseconds limit = must_happen_within) {
    return rt.run([&] {
      const term me = self();
      spawn([me] {
        global::sync();
        send(me, atom("our_sync_done"));
      });
      return receive([](const term& m) { return m.is_atom(atom("our_sync_done")); }, limit).has_value();
    });
  }
};

TEST_F(Global, ErlangsSyncReturnsWithinASecondAndSoDoesOurs) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  ASSERT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + ")."), "pong");
  const std::string ms = erl_sync_ms(erl);
  ASSERT_NE(ms, "hung");
  EXPECT_LT(std::stoi(ms), 1000) << ms;
  EXPECT_TRUE(our_sync_returns());
  // Erlang's global counts this node as synced, and ours counts the erl node.
  EXPECT_EQ(erl.eval("lists:member(" + quoted(node::name()) + ", gen_server:call(global_name_server, get_synced))."),
            "true");
}

TEST_F(Global, ANameRegisteredHereResolvesOnErlangUntilItsProcessDies) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  ASSERT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + "), global:sync()."), "ok");
  ASSERT_TRUE(our_sync_returns());
  rt.run([&] {
    const term holder = forwarder(self());
    ASSERT_TRUE(global::register_name(atom("cpp_name"), holder));
    EXPECT_FALSE(global::register_name(atom("cpp_name"), forwarder(self()))) << "the name is taken";
    EXPECT_EQ(global::whereis_name(atom("cpp_name")), holder);
    // Erlang sees it at once (registration went to every known node under global's lock).
    EXPECT_EQ(erl.eval("node(global:whereis_name(cpp_name))."), quoted(node::name()));
    EXPECT_EQ(erl.eval("global:send(cpp_name, {hello, node()}), ok."), "ok");
    const auto got =
        receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("hello")); }, must_happen_within);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ((*got)[1], term(erl.node()));
    otp::exit(holder, term(atoms::kill));
  });
  EXPECT_EQ(erl.eval(erl_until("global:whereis_name(cpp_name) =:= undefined")), "true");
  EXPECT_TRUE(eventually([&] { return rt.run([] { return global::registered_names().empty(); }); }));
}

TEST_F(Global, ANameRegisteredOnErlangResolvesHereUntilItsProcessDies) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  ASSERT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + "), global:sync()."), "ok");
  // register_name_external with an atom for a method: the resolve method of register_name is a
  // fun (see the next test).
  ASSERT_EQ(erl.eval("P = spawn(fun() -> receive {From, M} -> From ! {echoed, M} end end), "
                     "global:register_name_external(erl_name, P, none)."),
            "yes");
  rt.run([&] {
    const term pid = global::whereis_name(atom("erl_name"));
    ASSERT_TRUE(pid.is_pid()) << pid.to_string();
    global::send(atom("erl_name"), tuple(self(), atom("hi")));
    const auto got =
        receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("echoed")); }, must_happen_within);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ((*got)[1], term(atom("hi")));
  });
  // The process answered and ended: the name goes here too.
  EXPECT_TRUE(eventually(
      [&] { return rt.run([] { return global::whereis_name(atom("erl_name")).is_atom(atoms::undefined); }); }));
}

TEST_F(Global, ANameRegisteredOnErlangWithItsDefaultMethodResolvesHere) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  ASSERT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + "), global:sync()."), "ok");
  // global:register_name sends its resolve method, a fun, to every node: this node keeps it.
  ASSERT_EQ(erl.eval("P = spawn(fun() -> receive stop -> ok end end), global:register_name(erl_name, P)."), "yes");
  EXPECT_TRUE(rt.run([] { return global::whereis_name(atom("erl_name")).is_pid(); }));
  erl.eval("global:send(erl_name, stop).");
  EXPECT_TRUE(eventually(
      [&] { return rt.run([] { return global::whereis_name(atom("erl_name")).is_atom(atoms::undefined); }); }));
}

TEST_F(Global, ANodeThatConnectsToOurPeerConnectsToUsThroughGlobal) {
  local_node me(cookie);
  erl_node e1(cookie, erlang_beam_dir());
  erl_node e2(cookie, erlang_beam_dir());
  ASSERT_EQ(e1.eval("net_adm:ping(" + quoted(node::name()) + "), global:sync()."), "ok");
  rt.run([&] { ASSERT_TRUE(global::register_name(atom("mesh_name"), forwarder(self()))); });
  // e2 connects to e1 only; global does the rest.
  ASSERT_EQ(e2.eval("net_adm:ping(" + quoted(e1.node()) + ")."), "pong");
  EXPECT_EQ(e2.eval(erl_until("lists:member(" + quoted(node::name()) + ", nodes())")), "true");
  EXPECT_TRUE(eventually([&] { return connected_to(e2.node()); }));
  EXPECT_EQ(e2.eval("global:sync(), node(global:whereis_name(mesh_name))."), quoted(node::name()));
  EXPECT_TRUE(our_sync_returns());
}

TEST_F(Global, WithConnectAllOffWeStayOutOfTheMesh) {
  node::options no_connect_all;
  no_connect_all.connect_all = false;
  local_node me(cookie, no_connect_all);
  erl_node e1(cookie, erlang_beam_dir());
  erl_node e2(cookie, erlang_beam_dir());
  ASSERT_EQ(e1.eval("net_adm:ping(" + quoted(node::name()) + ")."), "pong");
  ASSERT_EQ(e2.eval("net_adm:ping(" + quoted(e1.node()) + "), global:sync()."), "ok");
  // With connect_all on, e2 is connected to us well within this time (the test above).
  EXPECT_FALSE(eventually([&] { return connected_to(e2.node()); }, milliseconds(1500)));
  EXPECT_EQ(e2.eval("lists:member(" + quoted(node::name()) + ", nodes())."), "false");
  EXPECT_TRUE(our_sync_returns()) << "our own sync does not wait for what global does not do";
}

TEST_F(Global, HiddenConnectionsTakeNoPart) {
  local_node me(cookie);
  erl_node hidden(cookie, erlang_beam_dir(), {"-hidden"});
  ASSERT_EQ(hidden.eval("net_adm:ping(" + quoted(node::name()) + ")."), "pong");
  // Our server has handled the connection before it answers this call; it knows no node.
  EXPECT_EQ(hidden.eval("gen_server:call({global_name_server, " + quoted(node::name()) + "}, get_known)."), "[]");
  // And it sent the hidden node's global nothing (OTP parks an init_connect as a pre_connect).
  EXPECT_EQ(hidden.eval("sys:get_state(global_name_server), {dictionary, D} = "
                        "process_info(whereis(global_name_server), dictionary), "
                        "lists:keymember({pre_connect, " +
                        quoted(node::name()) + "}, 1, D)."),
            "false");
  EXPECT_TRUE(our_sync_returns());
}

}  // namespace
}  // namespace otp::dist_test
