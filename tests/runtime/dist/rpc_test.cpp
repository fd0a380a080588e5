// rpc, erpc and remote spawn from a real Erlang/OTP node (erl running erlang/dist_peer.erl) into
// functions registered in this node (otp/rpc.hpp): the answers must be the ones Erlang gives
// between two Erlang nodes.
#include "otp/rpc.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dist_test_support.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace otp::dist_test {
namespace {

const std::string cookie = "rpccookie";
const atom test_module("rpc_test");

// Functions a user registers: rpc_test:add/2, rpc_test:note/1 (sends {noted, X} to the registered
// process `rpc_listener`), rpc_test:raise/1 (throw | exit | error by its argument).
class Rpc : public testing::Test {
 protected:
  void SetUp() override {
    rpc::register_function(test_module, atom("add"), 2,
                           [](const std::vector<term>& a) -> term { return a[0].as_int() + a[1].as_int(); });
    rpc::register_function(test_module, atom("note"), 1, [](const std::vector<term>& a) -> term {
      send(atom("rpc_listener"), tuple(atom("noted"), a[0]));
      return atoms::ok;
    });
    rpc::register_function(test_module, atom("raise"), 1, [](const std::vector<term>& a) -> term {
      if (a[0].is_atom(atom("throw"))) throw rpc::thrown(atom("oops"));
      if (a[0].is_atom(atom("exit"))) otp::exit(atom("bye"));
      throw rpc::error(atom("bad"));
    });
  }
  void TearDown() override {
    rpc::unregister_function(test_module, atom("add"), 2);
    rpc::unregister_function(test_module, atom("note"), 1);
    rpc::unregister_function(test_module, atom("raise"), 1);
  }

  // Runs `body` as a process registered as rpc_listener.
  template <class Body>
  void as_listener(Body body) {
    rt.run([&] {
      register_name(atom("rpc_listener"), self());
      body();
      unregister_name(atom("rpc_listener"));
    });
  }

  otp::runtime rt{otp::runtime_options{.schedulers = 2}};
  local_node me{cookie};
  erl_node erl{cookie, erlang_beam_dir()};
  const std::string us = quoted(node::name());
};

std::optional<term> receive_noted(const term& what) {
  return receive([&](const term& m) { return m == tuple(atom("noted"), what); }, must_happen_within);
}

TEST_F(Rpc, RpcAndErpcCallOfErlangNodeAnswerOurName) {
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", erlang, node, [])."), us);
  EXPECT_EQ(erl.eval("erpc:call(" + us + ", erlang, node, [])."), us);
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", erlang, node, [], 5000)."), us);
}

TEST_F(Rpc, MulticallOverUsAndTheErlangNode) {
  EXPECT_EQ(erl.eval("rpc:multicall([" + us + ", node()], erlang, node, [])."),
            "{[" + us + "," + quoted(erl.node()) + "],[]}");
  EXPECT_EQ(erl.eval("erpc:multicall([" + us + ", node()], erlang, node, [])."),
            "[{ok," + us + "},{ok," + quoted(erl.node()) + "}]");
}

TEST_F(Rpc, AUserRegisteredFunctionIsCalledWithItsArguments) {
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", rpc_test, add, [2, 40])."), "42");
  EXPECT_EQ(erl.eval("erpc:call(" + us + ", rpc_test, add, [1, 2])."), "3");
}

TEST_F(Rpc, CastsAndPlainSpawnsRunTheFunction) {
  as_listener([&] {
    EXPECT_EQ(erl.eval("rpc:cast(" + us + ", rpc_test, note, [by_rpc_cast])."), "true");
    EXPECT_TRUE(receive_noted(atom("by_rpc_cast")));
    EXPECT_EQ(erl.eval("erpc:cast(" + us + ", rpc_test, note, [by_erpc_cast])."), "ok");
    EXPECT_TRUE(receive_noted(atom("by_erpc_cast")));
    EXPECT_EQ(erl.eval("is_pid(spawn(" + us + ", rpc_test, note, [by_spawn]))."), "true");
    EXPECT_TRUE(receive_noted(atom("by_spawn")));
  });
}

TEST_F(Rpc, ACrashOfASpawnLinkedFunctionReachesTheErlangProcess) {
  EXPECT_EQ(erl.eval("process_flag(trap_exit, true), L = spawn_link(" + us +
                     ", rpc_test, raise, [error]), node(L) =:= " + us +
                     " andalso receive {'EXIT', L, Why} -> Why after 5000 -> timeout end."),
            "{bad,[{rpc_test,raise,1,[]}]}");
  EXPECT_EQ(erl.eval("{M, R} = spawn_monitor(" + us +
                     ", rpc_test, raise, [exit]), receive {'DOWN', R, process, M, Why2} -> Why2 after 5000 -> "
                     "timeout end."),
            "bye");
}

TEST_F(Rpc, AnUnknownFunctionIsUndefAsInErlang) {
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", nomod, nofun, [1])."), "{badrpc,{'EXIT',{undef,[{nomod,nofun,[1],[]}]}}}");
  EXPECT_EQ(erl.eval("try erpc:call(" + us + ", nomod, nofun, [1]) catch C:R -> {C, R} end."),
            "{error,{exception,undef,[{nomod,nofun,[1],[]}]}}");
  // A plain spawn of it runs, and exits with undef.
  EXPECT_EQ(erl.eval("{P3, R3} = spawn_monitor(" + us +
                     ", nomod, nofun, []), receive {'DOWN', R3, process, P3, W3} -> W3 after 5000 -> timeout end."),
            "{undef,[{nomod,nofun,[],[]}]}");
}

TEST_F(Rpc, ThrowExitAndErrorGiveErpcsAndRpcsShapes) {
  const std::string call = "erpc:call(" + us + ", rpc_test, raise, ";
  EXPECT_EQ(erl.eval("try " + call + "[throw]) catch C:R -> {C, R} end."), "{throw,oops}");
  EXPECT_EQ(erl.eval("try " + call + "[exit]) catch C:R -> {C, R} end."), "{exit,{exception,bye}}");
  EXPECT_EQ(erl.eval("try " + call + "[error]) catch C:R -> {C, R} end."),
            "{error,{exception,bad,[{rpc_test,raise,1,[]}]}}");
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", rpc_test, raise, [throw])."), "oops");
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", rpc_test, raise, [exit])."), "{badrpc,{'EXIT',bye}}");
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", rpc_test, raise, [error])."),
            "{badrpc,{'EXIT',{bad,[{rpc_test,raise,1,[]}]}}}");
}

TEST_F(Rpc, TheRexServerAnswersWhatRpcSendsIt) {
  EXPECT_EQ(erl.eval("rpc:block_call(" + us + ", rpc_test, add, [3, 4])."), "7");
  EXPECT_EQ(erl.eval("gen_server:call({rex, " + us + "}, {call, rpc_test, add, [5, 6], group_leader()})."), "11");
  EXPECT_EQ(erl.eval("{rex, " + us +
                     "} ! {self(), {call, rpc_test, raise, [exit], user}}, receive {rex, X} -> X "
                     "after 5000 -> timeout end."),
            "{badrpc,{'EXIT',bye}}");
  EXPECT_EQ(erl.eval("{rex, " + us +
                     "} ! {self(), features_request}, receive {features_reply, _, F} -> F after "
                     "5000 -> timeout end."),
            "[erpc]");
  as_listener([&] {
    erl.eval("gen_server:cast({rex, " + us + "}, {cast, rpc_test, note, [by_rex_cast], user}).");
    EXPECT_TRUE(receive_noted(atom("by_rex_cast")));
    EXPECT_EQ(erl.eval("rpc:sbcast([" + us + "], rpc_listener, {noted, by_sbcast})."), "{[" + us + "],[]}");
    EXPECT_TRUE(receive_noted(atom("by_sbcast")));
    EXPECT_EQ(erl.eval("rpc:sbcast([" + us + "], nobody_here, x)."), "{[],[" + us + "]}");
  });
}

TEST_F(Rpc, BuiltInsAnswerInOtpsShapes) {
  EXPECT_EQ(erl.eval("lists:member(node(), rpc:call(" + us + ", erlang, nodes, []))."), "true");
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", erlang, nodes, [this])."), "[" + us + "]");
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", erlang, system_info, [otp_release]) =:= \"25\"."), "true");
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", erlang, system_info, [no_such_key])."),
            "{badrpc,{'EXIT',{badarg,[{erlang,system_info,1,[]}]}}}");
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", code, which, [nomod])."), "non_existing");
  EXPECT_EQ(erl.eval("is_list(rpc:call(" + us + ", code, all_loaded, []))."), "true");
}

TEST_F(Rpc, InitStopStopsTheNodeAfterAnswering) {
  EXPECT_EQ(erl.eval("rpc:call(" + us + ", init, stop, [])."), "ok");
  EXPECT_TRUE(eventually([] { return !node::alive(); }));
}

}  // namespace
}  // namespace otp::dist_test
