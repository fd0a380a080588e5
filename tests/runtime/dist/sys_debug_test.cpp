// sys:trace, sys:log, sys:statistics and sys:get_status's debug section, sent from a real erl to a
// gen_server of this node, and the same options from C++ (otp/sys.hpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "dist_test_support.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/runtime.hpp"
#include "otp/sys.hpp"

namespace otp::dist_test {
namespace {

const std::string cookie = "sysdebugcookie";
const atom server_name("sys_counter");

// get -> the count; cast inc -> count + 1.
class counter final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(0); }
  gen_server::result handle_call(const term&, const term&, const term& state) override {
    return gen_server::result::reply(state, state);
  }
  gen_server::result handle_cast(const term&, const term& state) override {
    return gen_server::result::noreply(state.as_int() + 1);
  }
};

class SysDebug : public testing::Test {
 protected:
  otp::runtime rt{otp::runtime_options{.schedulers = 2}};
  local_node me{cookie};
  erl_node erl{cookie, erlang_beam_dir()};
  term server;
  // The server as Erlang source: {sys_counter, 'node@host'}.
  std::string target = "{sys_counter, " + quoted(node::name()) + "}";

  void SetUp() override {
    const term started = gen_server::start(std::make_shared<counter>(), term(), {.name = server_name});
    ASSERT_TRUE(started.is_tuple(2) && started[0].is_atom(atoms::ok)) << started.to_string();
    server = started[1];
  }
  void TearDown() override {
    if (server.is_pid()) gen_server::stop(server);
  }
};

TEST_F(SysDebug, StatisticsCountTheMessagesInAndOut) {
  EXPECT_EQ(erl.eval("sys:statistics(" + target + ", get)."), "{ok,no_statistics}");
  ASSERT_EQ(erl.eval("sys:statistics(" + target + ", true)."), "ok");
  erl.eval("gen_server:cast(" + target + ", inc).");
  ASSERT_EQ(erl.eval("sys:statistics(" + target + ", true)."), "ok") << "on already: the counts go on";
  erl.eval("gen_server:call(" + target + ", get), gen_server:cast(" + target + ", inc), gen_server:call(" + target +
           ", get).");
  EXPECT_EQ(erl.eval("{ok, S} = sys:statistics(" + target +
                     ", get), {{_, _, _}, {_, _, _}} = proplists:get_value(start_time, S), "
                     "{{_, _, _}, {_, _, _}} = proplists:get_value(current_time, S), "
                     "[K || {K, _} <- S]."),
            "[start_time,current_time,reductions,messages_in,messages_out]");
  EXPECT_EQ(erl.eval("{proplists:get_value(messages_in, S), proplists:get_value(messages_out, S)}."), "{4,2}");
  ASSERT_EQ(erl.eval("sys:statistics(" + target + ", false)."), "ok");
  EXPECT_EQ(erl.eval("sys:statistics(" + target + ", get)."), "{ok,no_statistics}");
}

TEST_F(SysDebug, LogGetReturnsTheEventsInOrder) {
  EXPECT_EQ(erl.eval("sys:log(" + target + ", get)."), "{ok,[]}");
  ASSERT_EQ(erl.eval("sys:log(" + target + ", true)."), "ok");
  erl.eval("gen_server:cast(" + target + ", inc), gen_server:call(" + target + ", get).");
  EXPECT_EQ(erl.eval("case sys:log(" + target +
                     ", get) of {ok, [{in, {'$gen_cast', inc}}, {noreply, 1}, {in, {'$gen_call', {Me, _}, get}}, "
                     "{out, 1, {Me, _}, 1}]} when Me =:= self() -> in_order; Other -> Other end."),
            "in_order");
  // As in OTP, turning it on again changes nothing; off drops the events.
  ASSERT_EQ(erl.eval("sys:log(" + target + ", {true, 2})."), "ok");
  EXPECT_EQ(erl.eval("{ok, Events} = sys:log(" + target + ", get), length(Events)."), "4");
  ASSERT_EQ(erl.eval("sys:log(" + target + ", false)."), "ok");
  EXPECT_EQ(erl.eval("sys:log(" + target + ", get)."), "{ok,[]}");
  // {true, N} keeps only the last N.
  ASSERT_EQ(erl.eval("sys:log(" + target + ", {true, 2}), gen_server:cast(" + target + ", inc), gen_server:call(" +
                     target + ", get)."),
            "2");
  EXPECT_EQ(erl.eval("case sys:log(" + target + ", get) of {ok, [{in, _}, {out, 2, _, 2}]} -> last_two; O2 -> O2 end."),
            "last_two");
}

TEST_F(SysDebug, TraceWritesDbgLinesToTheNodesLog) {
  log::capture captured;
  ASSERT_EQ(erl.eval("sys:trace(" + target + ", true)."), "ok");
  erl.eval("gen_server:cast(" + target + ", inc), gen_server:call(" + target + ", get).");
  EXPECT_TRUE(captured.contains("*DBG* sys_counter got cast inc"));
  EXPECT_TRUE(captured.contains("*DBG* sys_counter new state 1"));
  EXPECT_TRUE(captured.contains("*DBG* sys_counter got call get from <"));
  EXPECT_TRUE(captured.contains("*DBG* sys_counter sent 1 to <"));
  ASSERT_EQ(erl.eval("sys:trace(" + target + ", false)."), "ok");
  captured.clear();
  erl.eval("gen_server:call(" + target + ", get).");
  EXPECT_FALSE(captured.contains("*DBG*"));
}

TEST_F(SysDebug, LogToFileWritesTheTraceLines) {
  temp_dir dir;
  const std::filesystem::path file = dir.path / "trace.log";
  std::ofstream(file) << "what was there before\n";  // as sys, the file is written anew
  EXPECT_EQ(erl.eval("sys:log_to_file(" + target + ", \"" + (dir.path / "no" / "such.log").string() + "\")."),
            "{error,open_file}");
  ASSERT_EQ(erl.eval("sys:log_to_file(" + target + ", \"" + file.string() + "\")."), "ok");
  erl.eval("gen_server:cast(" + target + ", inc), gen_server:call(" + target + ", get).");
  ASSERT_EQ(erl.eval("sys:log_to_file(" + target + ", false)."), "ok");
  std::ifstream in(file);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(first, "*DBG* sys_counter got cast inc");
  EXPECT_EQ(second, "*DBG* sys_counter new state 1");
}

TEST_F(SysDebug, GetStatusListsTheOptionsThatAreOn) {
  // The shell's bindings persist from line to line: each look takes a variable of its own.
  auto debug_section = [&](const std::string& variable) {
    return "{status, _, _, [_, _, _, " + variable + ", _]} = sys:get_status(" + target +
           "), lists:sort([K || {K, _} <- " + variable + "]).";
  };
  EXPECT_EQ(erl.eval(debug_section("Dbg1")), "[]");
  ASSERT_EQ(erl.eval("sys:trace(" + target + ", true), sys:statistics(" + target + ", true)."), "ok");
  EXPECT_EQ(erl.eval(debug_section("Dbg2")), "[statistics,trace]");
  // With the log on, gen_server's "Logged events" shows them too.
  ASSERT_EQ(
      erl.eval("sys:log(" + target + ", true), gen_server:cast(" + target + ", inc), sys:get_state(" + target + ")."),
      "1");
  EXPECT_EQ(erl.eval("{status, _, _, [_, _, _, _, Misc]} = sys:get_status(" + target +
                     "), [Logged] = [L || {data, D} <- Misc, {\"Logged events\", L} <- D], Logged."),
            "[{in,{'$gen_cast',inc}},{noreply,1}]");
  ASSERT_EQ(erl.eval("sys:no_debug(" + target + ")."), "ok");
  EXPECT_EQ(erl.eval(debug_section("Dbg3")), "[]");
}

TEST_F(SysDebug, TheSameOptionsFromCpp) {
  rt.run([&] {
    EXPECT_EQ(sys::statistics(server, atoms::true_), term(atoms::ok));
    sys::log(server, atoms::true_);
    gen_server::cast(server, atom("inc"));
    EXPECT_EQ(gen_server::call(server, atom("get")), term(1));
    const term stats = sys::statistics(server, atom("get"));
    ASSERT_TRUE(stats.is_tuple(2) && stats[1].is_list()) << stats.to_string();
    EXPECT_EQ(stats[1].elements()[3], tuple(atom("messages_in"), 2)) << stats.to_string();
    EXPECT_EQ(stats[1].elements()[4], tuple(atom("messages_out"), 1)) << stats.to_string();
    const term logged = sys::log(server, atom("get"));
    ASSERT_TRUE(logged.is_tuple(2)) << logged.to_string();
    EXPECT_EQ(logged[1].elements().size(), 4u) << logged.to_string();
    log::capture captured;
    EXPECT_EQ(sys::log(server, atom("print")), term(atoms::ok));
    EXPECT_TRUE(captured.contains("*DBG* sys_counter got cast inc"));
    EXPECT_TRUE(captured.contains("*DBG* sys_counter sent 1 to <"));
    sys::no_debug(server);
    EXPECT_EQ(sys::statistics(server, atom("get")), tuple(atoms::ok, atom("no_statistics")));
  });
}

}  // namespace
}  // namespace otp::dist_test
