// Interop with a real Erlang/OTP node (`erl -name ... -setcookie ...`, Debian erlang-base): each
// test starts its own erl running erlang/dist_peer.erl and drives it line by line.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "dist_test_support.hpp"
#include "otp/external_format.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace otp::dist_test {
namespace {

const std::string cookie = "interopcookie";

bool contains(const std::vector<atom>& nodes, atom n) {
  return std::find(nodes.begin(), nodes.end(), n) != nodes.end();
}

std::optional<term> receive_tagged(const char* tag, milliseconds limit = must_happen_within) {
  const atom t(tag);
  return receive([&](const term& m) { return m.is_tuple() && m.size() >= 1 && m[0].is_atom(t); }, limit);
}

// A process registered as echo: {From, Msg} -> From ! {echo, node(), Msg}.
void register_echo(otp::runtime& rt) {
  rt.run([] {
    register_name(atom("echo"), spawn([] {
                    for (;;) {
                      const term m = receive();
                      if (m.is_tuple(2) && m[0].is_pid()) send(m[0], tuple(atom("echo"), node::name(), m[1]));
                    }
                  }));
  });
}

class Interop : public testing::Test {
 protected:
  otp::runtime rt{otp::runtime_options{.schedulers = 2}};
};

TEST_F(Interop, ErlangPingsUsAndWePingErlang) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  EXPECT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + ")."), "pong");
  EXPECT_EQ(node::ping(erl.node()), atom("pong"));
}

TEST_F(Interop, NodesListsTheOtherSideOnBothSides) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  ASSERT_EQ(node::ping(erl.node()), atom("pong"));
  EXPECT_TRUE(contains(node::nodes(), erl.node()));
  EXPECT_EQ(erl.eval("lists:member(" + quoted(node::name()) + ", nodes())."), "true");
}

TEST_F(Interop, ErlangSendsToARegisteredProcessAndGetsItsAnswer) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  register_echo(rt);
  EXPECT_EQ(erl.eval("{echo, " + quoted(node::name()) +
                     "} ! {self(), <<\"hi\">>}, receive M -> M after 3000 -> "
                     "timeout end."),
            "{echo," + quoted(node::name()) + ",<<104,105>>}");
}

TEST_F(Interop, ErlangCallsOurGenServer) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  gen_server::start(std::make_shared<cpp_server>(), term(), gen_server::start_options{.name = atom("cpp_srv")});
  EXPECT_EQ(erl.eval("gen_server:call({cpp_srv, " + quoted(node::name()) + "}, {echo, [1,2.5,#{a => b}]})."),
            "{cpp_echo,[1,2.5,#{a => b}]}");
  // A name nobody holds: noproc at once (MONITOR_P answered with noproc), not a hang.
  const std::string missing = erl.eval("catch gen_server:call({nobody, " + quoted(node::name()) + "}, x).");
  EXPECT_TRUE(missing.starts_with("{'EXIT',{noproc,")) << missing;
}

TEST_F(Interop, WeCallAnErlangGenServer) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  ASSERT_TRUE(erl.eval("dist_peer:start_server().").starts_with("{ok,"));
  const term server = tuple(atom("erl_srv"), erl.node());
  EXPECT_EQ(gen_server::call(server, tuple(atom("echo"), binary("x"))), tuple(atom("erl_echo"), binary("x")));
  const term pid = gen_server::call(server, atom("whoami"));
  ASSERT_TRUE(pid.is_pid());
  EXPECT_EQ(gen_server::call(pid, atom("ping")), term(atom("pong")));
  try {
    gen_server::call(tuple(atom("nobody"), erl.node()), atom("ping"));
    FAIL() << "a call to a missing Erlang name returned";
  } catch (const exit_exception& e) {
    EXPECT_TRUE(e.reason().is_tuple(2) && e.reason()[0].is_atom(atoms::noproc)) << e.reason().to_string();
  }
  rt.run([&] {
    gen_server::cast(server, tuple(atom("tell"), self(), atom("cast_arrived")));
    EXPECT_TRUE(receive([](const term& m) { return m.is_atom(atom("cast_arrived")); }, must_happen_within));
  });
}

TEST_F(Interop, MonitorsAndLinksFireBothWaysWhenAProcessDies) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  rt.run([&] {
    register_name(atom("ctest"), self());
    trap_exit(true);
    const std::string us = "{ctest, " + quoted(node::name()) + "}";
    // We monitor and link to Erlang processes.
    erl.eval(us + " ! {waiters, dist_peer:waiter(), dist_peer:waiter()}.");
    auto waiters = receive_tagged("waiters");
    ASSERT_TRUE(waiters);
    const term w1 = (*waiters)[1];
    const term w2 = (*waiters)[2];
    const term ref = monitor(w1);
    link(w2);
    send(w1, tuple(atom("exit"), atom("boom")));
    send(w2, tuple(atom("exit"), atom("bang")));
    auto down = receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, must_happen_within);
    ASSERT_TRUE(down);
    EXPECT_EQ(*down, tuple(atoms::down, ref, atoms::process, w1, atom("boom")));
    auto exit_msg = receive_tagged("EXIT");
    ASSERT_TRUE(exit_msg);
    EXPECT_EQ(*exit_msg, tuple(atoms::exit_, w2, atom("bang")));
    // Erlang monitors and links to ours.
    const term mine = spawn([] {
      receive();
      otp::exit(atom("bye"));
    });
    send(tuple(atom("peer_shell"), erl.node()), tuple(atom("target"), mine));
    erl.eval("receive {target, P} -> dist_peer:watch(P, " + us + "), dist_peer:link_to(P, " + us + ") end.");
    ASSERT_TRUE(receive_tagged("watching"));
    ASSERT_TRUE(receive_tagged("linked"));
    send(mine, atom("go"));
    auto watched = receive_tagged("watched");
    ASSERT_TRUE(watched);
    EXPECT_EQ((*watched)[1][3], mine);
    EXPECT_EQ((*watched)[1][4], term(atom("bye")));
    auto broken = receive_tagged("linked_exit");
    ASSERT_TRUE(broken);
    EXPECT_EQ((*broken)[1], tuple(atoms::exit_, mine, atom("bye")));
  });
}

TEST_F(Interop, NoconnectionWhenEitherNodeGoesAway) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  erl_node watcher(cookie, erlang_beam_dir());
  rt.run([&] {
    register_name(atom("ctest"), self());
    trap_exit(true);
    const std::string us = "{ctest, " + quoted(node::name()) + "}";
    erl.eval(us + " ! {waiters, dist_peer:waiter(), dist_peer:waiter()}.");
    auto waiters = receive_tagged("waiters");
    ASSERT_TRUE(waiters);
    const term ref = monitor((*waiters)[1]);
    link((*waiters)[2]);
    node::monitor_node(erl.node(), true);
    // The Erlang node goes away: our monitor, link and monitor_node fire with noconnection.
    erl.child.kill();
    auto down = receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, must_happen_within);
    ASSERT_TRUE(down);
    EXPECT_EQ((*down)[4], term(atoms::noconnection));
    auto exit_msg = receive_tagged("EXIT");
    ASSERT_TRUE(exit_msg);
    EXPECT_EQ((*exit_msg)[2], term(atoms::noconnection));
    EXPECT_TRUE(receive([&](const term& m) { return m == tuple(atoms::nodedown, erl.node()); }, must_happen_within));
    // Another Erlang node watches a process of ours; this node goes away.
    const term mine = spawn([] { receive(); });
    send(tuple(atom("peer_shell"), watcher.node()), tuple(atom("target"), mine));
    watcher.eval("receive {target, P} -> dist_peer:watch(P, self()) end.");
    EXPECT_TRUE(watcher.eval("receive {watching, _} -> ok after 3000 -> timeout end.") == "ok");
  });
  node::stop();
  const std::string seen = watcher.eval("receive {watched, D} -> D after 5000 -> timeout end.");
  EXPECT_TRUE(seen.starts_with("{'DOWN',") && seen.ends_with(",noconnection}")) << seen;
}

// Every kind of term an Erlang node sends arrives, and goes back exactly as it came: Erlang checks
// =:=, that term_to_binary gives the same bytes, and that this node's own encoding is those bytes.
TEST_F(Interop, EveryTermKindComesBackToErlangBitExact) {
  local_node me(cookie);
  erl_node erl(cookie, erlang_beam_dir());
  register_echo(rt);
  // etf_echo answers with this node's own encoding of what it got: it must be erl's, byte for byte.
  rt.run([] {
    register_name(atom("etf_echo"), spawn([] {
                    for (;;) {
                      const term m = receive();
                      if (m.is_tuple(2) && m[0].is_pid()) send(m[0], tuple(atom("etf"), binary(etf::encode(m[1]))));
                    }
                  }));
  });
  const std::string us = quoted(node::name());
  const std::string echo = "Echo = fun(T) -> {echo, " + us + "} ! {self(), T}, {etf_echo, " + us +
                           "} ! {self(), T}, receive {echo, _, B} -> receive {etf, E} -> {B =:= T, "
                           "term_to_binary(B) =:= term_to_binary(T) andalso E =:= term_to_binary(T)} after 5000 -> "
                           "timeout end after 5000 -> timeout end end, X = {free, 7}, ";
  const std::string kinds[] = {
      "1 bsl 64",
      "-(1 bsl 64)",
      "-(1 bsl 200)",
      "1 bsl 100000",
      "<<1:3>>",
      "<<1,2,3:5>>",
      "fun() -> X end",
      "fun lists:map/2",
      "hd(erlang:ports())",
      "{[1 bsl 64, <<1:3>> | <<255,1:7>>], #{fun lists:map/2 => -(1 bsl 200), hd(erlang:ports()) => [fun() -> X "
      "end]}}",
  };
  for (const std::string& kind : kinds) EXPECT_EQ(erl.eval(echo + "Echo(" + kind + ")."), "{true,true}") << kind;
  // A call carrying one: the connection stays up.
  gen_server::start(std::make_shared<cpp_server>(), term(), gen_server::start_options{.name = atom("cpp_srv")});
  EXPECT_EQ(erl.eval("gen_server:call({cpp_srv, " + quoted(node::name()) + "}, {echo, 1 bsl 64})."),
            "{cpp_echo,18446744073709551616}");
  // A term over a limit (nested deeper than max_term_depth) costs only its message: what follows
  // on the connection arrives, and the connection stays up.
  EXPECT_EQ(erl.eval(echo + "Deep = lists:foldl(fun(_, A) -> {A} end, x, lists:seq(1, 1001)), {echo, " +
                     quoted(node::name()) +
                     "} ! {self(), Deep}, R = Echo(next), {R, receive {echo, _, _} -> extra after 0 -> none end, "
                     "lists:member(" +
                     quoted(node::name()) + ", nodes())}."),
            "{{true,true},none,true}");
}

TEST_F(Interop, AWrongCookieIsRefusedInBothDirections) {
  log::capture logs;
  local_node me(cookie);
  erl_node erl("some-other-cookie", erlang_beam_dir());
  EXPECT_EQ(node::ping(erl.node()), atom("pang"));
  EXPECT_TRUE(logs.contains("cannot connect to " + erl.name));
  EXPECT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + ")."), "pang");
  EXPECT_TRUE(logs.contains("(node '" + erl.name + "') rejected: invalid challenge reply"));
  EXPECT_FALSE(contains(node::nodes(node::node_set::connected), erl.node()));
  // Nothing else is affected: a node with the right cookie still connects.
  test_node good(cookie);
  EXPECT_EQ(node::ping(good.node()), atom("pong"));
}

}  // namespace
}  // namespace otp::dist_test
