// sys on gen_server: suspend/resume, get_state, replace_state, get_status, change_code, terminate, errors
// as Erlang's. Every wait has an upper bound; "must not happen" checks watch for 100-400 ms at most.
#include "otp/sys.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>

#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term_text.hpp"
#include "test_servers.hpp"

namespace otp_test {
namespace {

namespace sys = otp::sys;
using otp::binary;
using otp::charlist;
using otp::list;
using otp::nil;
using otp::tuple;

// A server whose state is the list of what it was given, in order: casts, infos and calls other than
// `get` are appended (calls answer ok); `get` answers the list.
std::shared_ptr<scripted_server> make_recorder() {
  auto server = make_server();
  server->on_init = [](const term&) { return gs::init_result::ok(nil()); };
  server->on_cast = [](const term& request, const term& state) {
    return gs::result::noreply(appended(state, request));
  };
  server->on_info = [](const term& info, const term& state) { return gs::result::noreply(appended(state, info)); };
  server->on_call = [](const term& request, const term&, const term& state) {
    if (request.is_atom(atom("get"))) return gs::result::reply(state, state);
    return gs::result::reply(atoms::ok, appended(state, request));
  };
  return server;
}

// running or suspended, as get_status reports it.
term status_mode(const term& process) {
  const term status = sys::get_status(process);
  return status.is_tuple(4) && status[3].is_proper_list() && status[3].size() == 5 ? status[3][1] : status;
}

// ------------------------------------------------------------------------------------------------
// suspend / resume
// ------------------------------------------------------------------------------------------------

TEST(SysSuspend, SuspendedServerQueuesCallsAndCastsAndHandlesThemInOrderAfterResume) {
  otp::runtime rt;
  rt.run([] {
    const term pid = pid_of(gs::start(make_recorder(), nil()));
    sys::suspend(pid);
    gs::cast(pid, "first"_a);
    EXPECT_EQ(caught_exit([&] { gs::call(pid, tuple("add"_a, "second"_a), 50ms); }),
              tuple(atoms::timeout, tuple(atoms::gen_server, atoms::call, list(pid, tuple("add"_a, "second"_a), 50))));
    gs::cast(pid, "third"_a);
    otp::send(pid, "fourth"_a);
    EXPECT_EQ(sys::get_state(pid), term()) << "a suspended server handled a message";
    EXPECT_EQ(status_mode(pid), term(atoms::suspended));
    EXPECT_EQ(otp::process_info(pid)->status, atoms::suspended);
    sys::resume(pid);
    EXPECT_EQ(status_mode(pid), term(atoms::running));
    EXPECT_EQ(gs::call(pid, "get"_a), list("first"_a, tuple("add"_a, "second"_a), "third"_a, "fourth"_a));
    // The late reply to the timed-out call was sent before get's reply, so it would be queued by now.
    auto stray = otp::receive_for(milliseconds(0));
    EXPECT_FALSE(stray) << "unexpected message " << *stray;
  });
}

TEST(SysSuspend, SuspendAndResumeWorkByNameAndFromAPlainThread) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_recorder(), nil(), {.name = "sys_by_name"_a}));
  sys::suspend("sys_by_name"_a);
  gs::cast(pid, "queued"_a);
  EXPECT_EQ(sys::get_state("sys_by_name"_a), term());
  sys::resume("sys_by_name"_a);
  EXPECT_EQ(gs::call(pid, "get"_a), list("queued"_a));
}

TEST(SysSuspend, SuspendedServerStillTerminatesOnItsParentsExit) {
  otp::runtime rt;
  rt.run([] {
    auto server = make_server();
    server->on_init = [](const term&) {
      otp::trap_exit(true);
      return gs::init_result::ok("suspended_state"_a);
    };
    server->on_terminate = report_terminate_to(otp::self());
    const term started = start_under_parent(server, atoms::shutdown);
    const term pid = pid_of(started[1]);
    sys::suspend(pid);
    const term ref = otp::monitor(pid);
    otp::send(started[0], "die"_a);
    EXPECT_EQ(await_down(ref), term(atoms::shutdown));
    auto terminated = await_tagged("terminated"_a, milliseconds(0));
    ASSERT_TRUE(terminated) << "terminate did not run for the parent's EXIT while suspended";
    EXPECT_EQ(*terminated, tuple("terminated"_a, atoms::shutdown, "suspended_state"_a));
  });
}

TEST(SysSuspend, OtherExitMessagesStayQueuedUntilResume) {
  otp::runtime rt;
  rt.run([] {
    auto server = make_recorder();
    server->on_init = [](const term&) {
      otp::trap_exit(true);
      return gs::init_result::ok(nil());
    };
    const term pid = pid_of(gs::start(server, nil()));
    sys::suspend(pid);
    otp::exit(pid, "not_from_parent"_a);
    EXPECT_EQ(sys::get_state(pid), term());
    EXPECT_TRUE(otp::is_process_alive(pid));
    sys::resume(pid);
    EXPECT_EQ(gs::call(pid, "get"_a), list(tuple(atoms::exit_, otp::self(), "not_from_parent"_a)));
  });
}

// A server whose init waits 1 ms in a receive, so one receive timer has fired in its life before the test
// arms a timeout action: these tests then do not depend on how a process's very first timeout behaves
// (GenServerInit.TimeoutActionFromInitDeliversTimeoutWhenNoMessageArrives covers that).
std::shared_ptr<scripted_server> timed_server() {
  auto server = make_server();
  server->on_init = [](const term& args) {
    otp::receive([](const term&) { return false; }, 1ms);
    return gs::init_result::ok(args);
  };
  return server;
}

TEST(SysSuspend, SuspendedServerDoesNotRunItsTimeout) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = timed_server();
    server->on_call = [](const term&, const term&, const term& state) {
      return gs::result::reply("armed"_a, state, gs::action::timeout(150ms));
    };
    server->on_info = [observer](const term& info, const term& state) {
      if (info.is_atom(atoms::timeout)) otp::send(observer, "timed_out"_a);
      return gs::result::noreply(state);
    };
    const term pid = pid_of(gs::start(server, nil()));
    bool suspended_in_time = false;
    for (int attempt = 0; attempt < 3 && !suspended_in_time; ++attempt) {
      gs::call(pid, "arm"_a);
      sys::suspend(pid);
      suspended_in_time = !await_exactly("timed_out"_a, milliseconds(0));
      if (!suspended_in_time) sys::resume(pid);  // the machine stalled past 150 ms: the timeout was due; retry
    }
    ASSERT_TRUE(suspended_in_time);
    EXPECT_FALSE(await_exactly("timed_out"_a, 400ms)) << "handle_info(timeout) ran while the server was suspended";
    sys::resume(pid);
    EXPECT_TRUE(await_exactly("timed_out"_a)) << "the timeout did not run after resume";
  });
}

TEST(SysSuspend, SystemMessageRestartsAPendingTimeoutWithItsFullTime) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = timed_server();
    server->on_call = [](const term&, const term&, const term& state) {
      return gs::result::reply("armed"_a, state, gs::action::timeout(300ms));
    };
    server->on_info = [observer](const term& info, const term& state) {
      if (info.is_atom(atoms::timeout)) otp::send(observer, "timed_out"_a);
      return gs::result::noreply(state);
    };
    const term pid = pid_of(gs::start(server, "st"_a));
    gs::call(pid, "arm"_a);
    ASSERT_FALSE(await_exactly("timed_out"_a, 100ms)) << "fired early";
    const auto system_message_sent = now_ms();
    EXPECT_EQ(sys::get_state(pid), term("st"_a));
    ASSERT_TRUE(await_exactly("timed_out"_a)) << "the system message lost the timeout";
    EXPECT_GE(now_ms() - system_message_sent, 295) << "the timeout kept its old deadline instead of restarting";
  });
}

// ------------------------------------------------------------------------------------------------
// get_state / replace_state / get_status
// ------------------------------------------------------------------------------------------------

TEST(SysState, GetStateReturnsTheCallbackState) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), tuple("count"_a, 3), {.name = "sys_get_state"_a}));
  EXPECT_EQ(sys::get_state(pid), tuple("count"_a, 3));
  EXPECT_EQ(sys::get_state("sys_get_state"_a), tuple("count"_a, 3));
  EXPECT_EQ(rt.run([&] { return sys::get_state(pid, 1000ms); }), tuple("count"_a, 3));
}

TEST(SysState, ReplaceStateInstallsAndReturnsTheFunctionsResult) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), "original"_a));
  const term replaced = sys::replace_state(pid, [](const term& s) { return tuple("replaced"_a, s); });
  EXPECT_EQ(replaced, tuple("replaced"_a, "original"_a));
  EXPECT_EQ(sys::get_state(pid), replaced);
  EXPECT_EQ(gs::call(pid, "get"_a), replaced);
}

TEST(SysState, ReplaceStateWorksWhileSuspended) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), 1));
  sys::suspend(pid);
  EXPECT_EQ(sys::replace_state(pid, [](const term& s) { return term(s.as_int() + 1); }), term(2));
  sys::resume(pid);
  EXPECT_EQ(gs::call(pid, "get"_a), term(2));
}

TEST(SysState, ReplaceStateFunctionThrowingRaisesAndKeepsTheState) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), "kept"_a));
  const term reason =
      caught_exit([&] { sys::replace_state(pid, [](const term&) -> term { throw std::runtime_error("bad fun"); }); });
  ASSERT_TRUE(reason.is_tuple(2)) << reason;
  ASSERT_TRUE(reason[0].is_tuple()) << reason;
  EXPECT_EQ(reason[0][0], term(atom("callback_failed"))) << reason;
  EXPECT_EQ(reason[1], tuple(atoms::sys, atoms::replace_state, list(pid))) << reason;
  EXPECT_EQ(sys::get_state(pid), term("kept"_a));
  EXPECT_TRUE(otp::is_process_alive(pid));
}

TEST(SysStatus, GetStatusHasTheOtpShape) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), "status_state"_a));
  for (const term& mode : {term(atoms::running), term(atoms::suspended)}) {
    if (mode == term(atoms::suspended)) sys::suspend(pid);
    const term status = sys::get_status(pid);
    ASSERT_TRUE(status.is_tuple(4)) << status;
    EXPECT_EQ(status[0], term(atoms::status));
    EXPECT_EQ(status[1], pid);
    EXPECT_EQ(status[2], tuple(atoms::module, atoms::gen_server));
    const term& items = status[3];
    ASSERT_TRUE(items.is_proper_list() && items.size() == 5) << status;
    EXPECT_TRUE(items[0].is_proper_list()) << "PDict: " << items[0];
    EXPECT_EQ(items[1], mode);
    // items[2], the Parent, is checked by ParentIsTheServerItselfAfterStartAndTheCallerAfterStartLink.
    EXPECT_TRUE(items[3].is_proper_list()) << "Dbg: " << items[3];
    const term& misc = items[4];
    ASSERT_TRUE(misc.is_proper_list() && misc.size() == 3) << misc;
    ASSERT_TRUE(misc[0].is_tuple(2)) << misc;
    EXPECT_EQ(misc[0][0], term(atoms::header));
    EXPECT_EQ(misc[0][1], charlist("Status for generic server " + pid.to_string()));
    ASSERT_TRUE(misc[1].is_tuple(2) && misc[1][1].is_proper_list() && misc[1][1].size() == 3) << misc;
    EXPECT_EQ(misc[1][1][0], tuple(charlist("Status"), mode));
    EXPECT_EQ(misc[1][1][2], tuple(charlist("Logged events"), nil()));
    EXPECT_EQ(misc[2], tuple(atoms::data, list(tuple(charlist("State"), "status_state"_a))));
  }
}

TEST(SysStatus, ParentIsTheServerItselfAfterStartAndTheCallerAfterStartLink) {
  otp::runtime rt;
  rt.run([] {
    const term unlinked = pid_of(gs::start(make_server(), nil()));
    const term status = sys::get_status(unlinked);
    ASSERT_TRUE(status.is_tuple(4) && status[3].size() == 5) << status;
    EXPECT_EQ(status[3][2], unlinked) << "gen_server:start makes the server its own parent";
    EXPECT_EQ(status[3][4][1][1][1], tuple(charlist("Parent"), unlinked));

    const term linked = pid_of(gs::start_link(make_server(), nil()));
    const term linked_status = sys::get_status(linked);
    ASSERT_TRUE(linked_status.is_tuple(4) && linked_status[3].size() == 5) << linked_status;
    EXPECT_EQ(linked_status[3][2], otp::self());
    EXPECT_EQ(linked_status[3][4][1][1][1], tuple(charlist("Parent"), otp::self()));
  });
}

// ------------------------------------------------------------------------------------------------
// change_code
// ------------------------------------------------------------------------------------------------

// A server that reports {code_change, OldVsn, State, Extra} to `observer` and answers with `answer`.
std::shared_ptr<scripted_server> upgradable_server(const term& observer,
                                                   std::function<gs::code_change_result(const term& state)> answer) {
  auto server = make_recorder();
  server->on_init = [](const term& args) { return gs::init_result::ok(args); };
  server->on_code_change = [observer, answer](const term& old_vsn, const term& state, const term& extra) {
    otp::send(observer, tuple("code_change"_a, old_vsn, state, extra));
    return answer(state);
  };
  return server;
}

TEST(SysChangeCode, WhileRunningItIsAnUnknownSystemMessage) {
  otp::runtime rt;
  rt.run([] {
    auto server = upgradable_server(otp::self(), [](const term& s) { return gs::code_change_result::success(s); });
    const term pid = pid_of(gs::start(server, "v1_state"_a));
    EXPECT_EQ(sys::change_code(pid, "some_mod"_a, charlist("1.0"), "extra"_a),
              tuple(atoms::error, tuple(atoms::unknown_system_msg,
                                        tuple(atoms::change_code, "some_mod"_a, charlist("1.0"), "extra"_a))));
    EXPECT_FALSE(await_tagged("code_change"_a, must_not_happen_within)) << "code_change ran while running";
    EXPECT_EQ(sys::get_state(pid), term("v1_state"_a));
  });
}

TEST(SysChangeCode, WhileSuspendedCallsCodeChangeAndInstallsTheNewState) {
  otp::runtime rt;
  rt.run([] {
    auto server = upgradable_server(
        otp::self(), [](const term& s) { return gs::code_change_result::success(tuple("upgraded"_a, s)); });
    const term pid = pid_of(gs::start(server, "v1_state"_a));
    sys::suspend(pid);
    EXPECT_EQ(sys::change_code(pid, "some_mod"_a, charlist("1.0"), tuple("extra"_a, 1)), term(atoms::ok));
    auto seen = await_tagged("code_change"_a, milliseconds(0));  // sent before the reply
    ASSERT_TRUE(seen) << "code_change was not called";
    EXPECT_EQ(*seen, tuple("code_change"_a, charlist("1.0"), "v1_state"_a, tuple("extra"_a, 1)));
    EXPECT_EQ(sys::get_state(pid), tuple("upgraded"_a, "v1_state"_a));
    EXPECT_EQ(status_mode(pid), term(atoms::suspended));
    sys::resume(pid);
    EXPECT_EQ(gs::call(pid, "get"_a), tuple("upgraded"_a, "v1_state"_a));
  });
}

TEST(SysChangeCode, DowngradePassesTheDownTupleAsOldVsn) {
  otp::runtime rt;
  rt.run([] {
    auto server = upgradable_server(otp::self(), [](const term&) { return gs::code_change_result::success("v1"_a); });
    const term pid = pid_of(gs::start(server, "v2"_a));
    sys::suspend(pid);
    EXPECT_EQ(sys::change_code(pid, "some_mod"_a, tuple(atoms::down_, charlist("2.0")), nil()), term(atoms::ok));
    auto seen = await_tagged("code_change"_a);
    ASSERT_TRUE(seen);
    EXPECT_EQ((*seen)[1], tuple(atoms::down_, charlist("2.0")));
    EXPECT_EQ(sys::get_state(pid), term("v1"_a));
    sys::resume(pid);
  });
}

TEST(SysChangeCode, FailureReturnsErrorKeepsTheStateAndStaysSuspended) {
  otp::runtime rt;
  rt.run([] {
    auto server = upgradable_server(
        otp::self(), [](const term&) { return gs::code_change_result::failure(tuple("incompatible"_a, 7)); });
    const term pid = pid_of(gs::start(server, nil()));
    gs::cast(pid, "before"_a);
    sys::suspend(pid);
    EXPECT_EQ(sys::change_code(pid, "some_mod"_a, charlist("1.0"), nil()),
              tuple(atoms::error, tuple("incompatible"_a, 7)));
    EXPECT_EQ(sys::get_state(pid), list("before"_a));
    EXPECT_EQ(status_mode(pid), term(atoms::suspended));
    gs::cast(pid, "while_suspended"_a);
    EXPECT_EQ(sys::get_state(pid), list("before"_a)) << "a message was handled after the failed change_code";
    sys::resume(pid);
    EXPECT_EQ(gs::call(pid, "get"_a), list("before"_a, "while_suspended"_a));
  });
}

TEST(SysChangeCode, ThrowingCodeChangeReturnsErrorAndKeepsTheState) {
  otp::runtime rt;
  rt.run([] {
    auto server = upgradable_server(
        otp::self(), [](const term&) -> gs::code_change_result { throw std::runtime_error("code_change blew up"); });
    const term pid = pid_of(gs::start(server, "kept"_a));
    sys::suspend(pid);
    const term answer = sys::change_code(pid, "some_mod"_a, charlist("1.0"), nil());
    ASSERT_TRUE(answer.is_tuple(2)) << answer;
    EXPECT_EQ(answer[0], term(atoms::error)) << answer;
    EXPECT_EQ(sys::get_state(pid), term("kept"_a));
    EXPECT_EQ(status_mode(pid), term(atoms::suspended));
    sys::resume(pid);
    EXPECT_EQ(gs::call(pid, "get"_a), term("kept"_a));
  });
}

// ------------------------------------------------------------------------------------------------
// terminate, unknown requests and dead processes
// ------------------------------------------------------------------------------------------------

TEST(SysTerminate, TerminateRunsTheCallbackAndExitsWithTheReason) {
  otp::runtime rt;
  rt.run([] {
    for (const bool suspend_first : {false, true}) {
      auto server = make_server();
      server->on_terminate = report_terminate_to(otp::self());
      const term pid = pid_of(gs::start(server, "term_state"_a));
      if (suspend_first) sys::suspend(pid);
      const term ref = otp::monitor(pid);
      EXPECT_NO_THROW(sys::terminate(pid, tuple(atoms::shutdown, "by_sys"_a)));
      EXPECT_EQ(await_down(ref), tuple(atoms::shutdown, "by_sys"_a));
      auto terminated = await_tagged("terminated"_a, milliseconds(0));
      ASSERT_TRUE(terminated) << "terminate did not run (suspended: " << suspend_first << ")";
      EXPECT_EQ(*terminated, tuple("terminated"_a, tuple(atoms::shutdown, "by_sys"_a), "term_state"_a));
    }
  });
}

TEST(SysProtocol, SysSendsSystemMessagesWithCallerAndTag) {
  otp::runtime rt;
  rt.run([] {
    const term me = otp::self();
    spawn_raw_server("sys_raw_process"_a, me);
    EXPECT_EQ(sys::get_state("sys_raw_process"_a), tuple("raw_reply"_a, atoms::get_state));
    auto got = await_tagged("raw_got"_a);
    ASSERT_TRUE(got);
    const term message = (*got)[1];
    ASSERT_TRUE(message.is_tuple(3) && message[1].is_tuple(2)) << message;
    EXPECT_EQ(message[0], term(atoms::system));
    EXPECT_EQ(message[1][0], me);
    EXPECT_EQ(message[2], term(atoms::get_state));
  });
}

TEST(SysProtocol, UnknownSystemRequestIsAnsweredWithUnknownSystemMsg) {
  otp::runtime rt;
  rt.run([] {
    const term pid = pid_of(gs::start(make_server(), "st"_a));
    const term ref = otp::make_ref();
    otp::send(pid, tuple(atoms::system, tuple(otp::self(), ref), tuple("bogus_request"_a, 1)));
    auto answer = await([&ref](const term& m) { return m.is_tuple(2) && m[0] == ref; });
    ASSERT_TRUE(answer);
    EXPECT_EQ((*answer)[1], tuple(atoms::error, tuple(atoms::unknown_system_msg, tuple("bogus_request"_a, 1))));
    EXPECT_EQ(gs::call(pid, "get"_a), term("st"_a));
  });
}

// ------------------------------------------------------------------------------------------------
// debug options (the Erlang side of them: tests/runtime/dist/sys_debug_test.cpp)
// ------------------------------------------------------------------------------------------------

TEST(SysDebugLog, TimeoutsAndContinuationsAreLoggedAsGenServerLogsThem) {
  otp::runtime rt;
  rt.run([] {
    auto server = make_recorder();
    server->on_cast = [](const term& request, const term& state) {
      if (request.is_atom(atom("wait"))) return gs::result::noreply(state, gs::action::timeout(0ms));
      return gs::result::noreply(state, gs::action::continue_with(request));
    };
    server->on_continue = [](const term& c, const term& state) { return gs::result::noreply(appended(state, c)); };
    const term me = otp::self();
    server->on_info = [me](const term& info, const term& state) {
      otp::send(me, "timed_out"_a);
      return gs::result::noreply(appended(state, info));
    };
    const term pid = pid_of(gs::start(server, nil()));
    EXPECT_EQ(sys::log(pid, atoms::true_), term(atoms::ok));
    gs::cast(pid, "wait"_a);
    ASSERT_TRUE(await([](const term& m) { return m.is_atom(atom("timed_out")); }));  // no message came before it
    gs::cast(pid, "go_on"_a);
    EXPECT_EQ(gs::call(pid, "get"_a), list("timeout"_a, "go_on"_a));
    const term logged = sys::log(pid, "get"_a);
    ASSERT_TRUE(logged.is_tuple(2) && logged[1].is_proper_list()) << logged.to_string();
    const auto events = logged[1].elements();
    ASSERT_EQ(events.size(), 10u) << logged.to_string();
    EXPECT_EQ(events[0], tuple("in"_a, tuple(atoms::gen_cast, "wait"_a)));
    EXPECT_EQ(events[2], tuple("in"_a, atoms::timeout));
    EXPECT_EQ(events[3], tuple("noreply"_a, list("timeout"_a)));
    EXPECT_EQ(events[4], tuple("in"_a, tuple(atoms::gen_cast, "go_on"_a)));
    EXPECT_EQ(events[6], tuple("continue"_a, "go_on"_a));
    EXPECT_EQ(events[7], tuple("noreply"_a, list("timeout"_a, "go_on"_a)));
    EXPECT_EQ(events[9][0], term("out"_a));
    sys::no_debug(pid);
    EXPECT_EQ(sys::log(pid, "get"_a), tuple(atoms::ok, nil()));
  });
}

TEST(SysNoproc, FunctionsOnADeadProcessExitWithNoprocAndTheirArguments) {
  otp::runtime rt;
  const term dead = pid_of(gs::start(make_server(), nil()));
  gs::stop(dead);
  auto location = [](atom function, term args) { return tuple(atoms::sys, function, std::move(args)); };
  rt.run([&] {
    EXPECT_EQ(caught_exit([&] { sys::suspend(dead); }), tuple(atoms::noproc, location(atoms::suspend, list(dead))));
    EXPECT_EQ(caught_exit([&] { sys::resume(dead); }), tuple(atoms::noproc, location(atoms::resume, list(dead))));
    EXPECT_EQ(caught_exit([&] { sys::get_state(dead); }), tuple(atoms::noproc, location(atoms::get_state, list(dead))));
    EXPECT_EQ(caught_exit([&] { sys::get_status(dead); }),
              tuple(atoms::noproc, location(atoms::get_status, list(dead))));
    EXPECT_EQ(caught_exit([&] { sys::change_code(dead, "m"_a, 1, "x"_a); }),
              tuple(atoms::noproc, location(atoms::change_code, list(dead, "m"_a, 1, "x"_a))));
    EXPECT_EQ(caught_exit([&] { sys::terminate(dead, "r"_a); }),
              tuple(atoms::noproc, location(atoms::terminate, list(dead, "r"_a))));
    const term replace = caught_exit([&] { sys::replace_state(dead, [](const term& s) { return s; }); });
    ASSERT_TRUE(replace.is_tuple(2) && replace[1].is_tuple(3)) << replace;
    EXPECT_EQ(replace[0], term(atoms::noproc));
    EXPECT_EQ(replace[1][0], term(atoms::sys));
    EXPECT_EQ(caught_exit([&] { sys::get_state("sys_nobody"_a); }),
              tuple(atoms::noproc, location(atoms::get_state, list("sys_nobody"_a))));
  });
  EXPECT_EQ(caught_exit([&] { sys::get_state(dead); }), tuple(atoms::noproc, location(atoms::get_state, list(dead))));
}

TEST(SysTimeout, SysCallToAnUnresponsiveProcessTimesOut) {
  otp::runtime rt;
  rt.run([] {
    const term silent = otp::spawn([] { otp::receive([](const term&) { return false; }, otp::infinity); });
    const term reason = caught_exit([&] { sys::get_state(silent, 50ms); });
    ASSERT_TRUE(reason.is_tuple(2) && reason[1].is_tuple(3)) << reason;
    EXPECT_EQ(reason[0], term(atoms::timeout));
    EXPECT_EQ(reason[1][0], term(atoms::sys));
    EXPECT_EQ(reason[1][1], term(atoms::get_state));
    otp::exit(silent, atoms::kill);
  });
}

}  // namespace
}  // namespace otp_test
