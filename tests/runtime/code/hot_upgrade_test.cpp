// Running processes and new code: gen_servers dispatch to the current version, plain processes stay
// on theirs until they switch, sys change_code migrates a suspended server's state (and a failing
// code_change leaves it untouched), downgrades pass {down, Vsn}. The counter and the status server
// as tests, and what purge does to the processes on old code.
#include <gtest/gtest.h>

#include "code_test_support.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/sys.hpp"

namespace otp_test {
namespace {

namespace gs = otp::gen_server;
namespace sys = otp::sys;
using otp::binary;
using otp::tuple;

term started_pid(const term& started) {
  if (!(started.is_tuple(2) && started[0].is_atom(atoms::ok)))
    throw std::runtime_error("not started: " + started.to_string());
  return started[1];
}

term counter_reply(const term& pid) {
  otp::send(pid, tuple("counter"_a, otp::self()));
  auto reply = otp::receive([](const term& m) { return m.is_tuple(3) && m[0].is_atom("counter"_a); }, 3000ms);
  if (!reply) throw std::runtime_error("the counter did not answer");
  return *reply;
}

term status_of(const term& server) {
  otp::send(server, tuple("status"_a, otp::self()));
  auto reply = otp::receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom("status"_a); }, 3000ms);
  if (!reply) throw std::runtime_error("the status server did not answer");
  return (*reply)[1];
}

// The release handler's way, for one server: suspend, load (purge first), change_code, resume.
term upgrade(const term& server, const fs::path& file, term old_vsn, term extra = term()) {
  sys::suspend(server);
  const code::load_result loaded = code::load(file);
  if (!loaded) throw std::runtime_error(loaded.message);
  const term outcome = sys::change_code(server, "acc"_a, std::move(old_vsn), std::move(extra));
  sys::resume(server);
  return outcome;
}

// --- gen_server modules ----------------------------------------------------------------------------

TEST_F(Code, AGenServerDispatchesEveryMessageToTheCurrentVersion) {
  stage("acc-2.so");
  rt_.run([&] {
    const term pid = started_pid(code::start_server("acc"_a, term(10)));
    EXPECT_EQ(gs::call(pid, "vsn"_a), binary("2"));
    EXPECT_EQ(otp::process_info(pid)->module, "acc");
    EXPECT_EQ(otp::process_info(pid)->vsn, "2");
    // An upgrade that keeps the state's shape: soft_purge + load_file and nothing else.
    EXPECT_TRUE(code::soft_purge("acc"_a));
    fs::remove(scratch_ / "acc-2.so");
    stage("acc-3.so");
    ASSERT_TRUE(code::load_file("acc"_a));
    EXPECT_EQ(gs::call(pid, "vsn"_a), binary("3")) << "the next call must run the current version";
    EXPECT_EQ(gs::call(pid, "total"_a), term(10)) << "the state survives";
    EXPECT_EQ(otp::process_info(pid)->vsn, "3");
    EXPECT_TRUE(code::soft_purge("acc"_a)) << "an idle gen_server runs no old code";
    gs::stop(pid);
  });
}

TEST_F(Code, ChangeCodeMigratesASuspendedServersStateWithTheNewVersionsCodeChange) {
  rt_.run([&] {
    ASSERT_TRUE(code::load_abs(module_file("acc-1.so")));
    const term pid = started_pid(code::start_server("acc"_a, term(5)));
    EXPECT_EQ(gs::call(pid, tuple("add"_a, 2)), term(atoms::ok));
    EXPECT_EQ(sys::get_state(pid), term(7));

    // An upgrade that changes the state's shape.
    EXPECT_EQ(upgrade(pid, module_file("acc-2.so"), binary("1"), term(3)), term(atoms::ok));
    EXPECT_EQ(sys::get_state(pid), tuple(7, 3)) << "code_change(OldVsn, State, Extra) of the new version";
    EXPECT_EQ(gs::call(pid, "vsn"_a), binary("2"));
    EXPECT_EQ(gs::call(pid, tuple("add"_a, 1)), term(atoms::ok));
    EXPECT_EQ(gs::call(pid, "count"_a), term(4));

    // Downgrade: the old version is loaded again and gets {down, Vsn}.
    EXPECT_EQ(upgrade(pid, module_file("acc-1.so"), tuple("down"_a, binary("2"))), term(atoms::ok));
    EXPECT_EQ(sys::get_state(pid), term(8));
    EXPECT_EQ(gs::call(pid, "vsn"_a), binary("1"));
    EXPECT_EQ(gs::call(pid, "total"_a), term(8));
    gs::stop(pid);
  });
}

TEST_F(Code, ChangeCodeIsRefusedWhileRunning) {
  rt_.run([&] {
    ASSERT_TRUE(code::load_abs(module_file("acc-1.so")));
    const term pid = started_pid(code::start_server("acc"_a, term(1)));
    const term r = sys::change_code(pid, "acc"_a, binary("1"), term());
    EXPECT_TRUE(r.is_tuple(2) && r[0].is_atom(atoms::error) && r[1].is_tuple(2) &&
                r[1][0].is_atom(atoms::unknown_system_msg))
        << r;
    gs::stop(pid);
  });
}

TEST_F(Code, AFailingCodeChangeLeavesTheOldStateAndTheServerSuspendedAndTellsTheCaller) {
  rt_.run([&] {
    ASSERT_TRUE(code::load_abs(module_file("acc-2.so")));
    const term pid = started_pid(code::start_server("acc"_a, term(6)));
    sys::suspend(pid);
    ASSERT_TRUE(code::load(module_file("acc-3.so")));

    const term returned_error = sys::change_code(pid, "acc"_a, binary("2"), term());
    EXPECT_EQ(returned_error, tuple(atoms::error, tuple("cannot_migrate"_a, binary("2"))));
    EXPECT_EQ(sys::get_state(pid), tuple(6, 0)) << "a refused code_change replaced the state";

    const term thrown = sys::change_code(pid, "acc"_a, binary("1"), term());
    ASSERT_TRUE(thrown.is_tuple(2) && thrown[0].is_atom(atoms::error)) << thrown;
    EXPECT_NE(thrown.to_string().find("acc 3 cannot migrate from 1"), std::string::npos) << thrown;
    EXPECT_EQ(sys::get_state(pid), tuple(6, 0));

    const term status = sys::get_status(pid);
    EXPECT_EQ(status[3][1], term(atoms::suspended)) << "the server must stay suspended";
    EXPECT_TRUE(otp::is_process_alive(pid));
    sys::resume(pid);
    gs::stop(pid);
  });
}

TEST_F(Code, AGenServerInACallbackRunsThatVersionSoPurgeWaitsForItOrKillsIt) {
  rt_.run([&] {
    ASSERT_TRUE(code::load_abs(module_file("acc-1.so")));
    const term pid = started_pid(code::start_server("acc"_a, term(0)));
    const auto users = code::processes_using("acc"_a);
    ASSERT_EQ(users.size(), 1u);
    EXPECT_EQ(users[0].pid, pid);
    EXPECT_FALSE(users[0].old);
    ASSERT_TRUE(code::load_abs(module_file("acc-2.so")));
    EXPECT_TRUE(code::soft_purge("acc"_a)) << "between messages a gen_server runs no module code";
    EXPECT_EQ(gs::call(pid, "vsn"_a), binary("2"));

    // Now it waits inside a version-2 callback while version 3 is loaded. It says so first: a cast
    // handled after the load would run version 3's callback, as in Erlang.
    gs::cast(pid, tuple("block"_a, otp::self()));
    auto blocked = otp::receive([](const term& m) { return m.is_tuple(2) && m[0] == "blocked"_a; }, 3000ms);
    ASSERT_TRUE(blocked) << "the server did not enter its block callback within 3 s";
    EXPECT_EQ((*blocked)[1], binary("2"));
    ASSERT_TRUE(code::load_abs(module_file("acc-3.so")));
    const term ref = otp::monitor(pid);
    const auto inside = code::processes_using("acc"_a);
    ASSERT_EQ(inside.size(), 1u);
    EXPECT_TRUE(inside[0].old && inside[0].vsn == "2") << "a server inside a callback of version 2 is on old code";
    EXPECT_FALSE(code::soft_purge("acc"_a)) << "soft_purge removed code a callback is running";
    EXPECT_TRUE(code::purge("acc"_a));
    auto down = otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, 3000ms);
    ASSERT_TRUE(down);
    EXPECT_EQ((*down)[4], term(atoms::killed));
    EXPECT_FALSE(code::check_old_code("acc"_a));
  });
}

TEST_F(Code, ADeletedGenServerModuleCrashesItsServersWithUndef) {
  rt_.run([&] {
    ASSERT_TRUE(code::load_abs(module_file("acc-1.so")));
    const term pid = started_pid(code::start_server("acc"_a, term(0)));
    const term ref = otp::monitor(pid);
    ASSERT_TRUE(code::delete_module("acc"_a));
    otp::log::capture log;
    gs::cast(pid, "anything"_a);
    auto down = otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, 3000ms);
    ASSERT_TRUE(down);
    EXPECT_EQ((*down)[4], tuple("undef"_a, otp::list(tuple("acc"_a, "handle_cast"_a, 2, term()))));
  });
}

// --- plain processes: the counter and the status server ----------------------------------------------

TEST_F(Code, TheCounterRunsVersion1UntilCodeSwitchAndKeepsItsSum) {
  stage("counter-1.so");
  rt_.run([&] {
    const term pid = code::spawn("counter"_a, term(0));
    otp::send(pid, tuple("increment"_a, 3));
    otp::log::capture log;
    otp::send(pid, tuple("print"_a));
    EXPECT_EQ(counter_reply(pid), tuple("counter"_a, 3, binary("v1")));
    EXPECT_TRUE(log.contains("Sum is 3"));

    // The new version is compiled and loaded; the process still runs version 1.
    stage("counter-2.so");
    ASSERT_TRUE(code::load("counter"_a));
    EXPECT_EQ(otp::process_info(pid)->vsn, "1");
    otp::send(pid, tuple("reset"_a));
    EXPECT_EQ(counter_reply(pid), tuple("counter"_a, 3, binary("v1"))) << "version 1 must not know reset";
    EXPECT_TRUE(log.contains("Unhandled message {reset}"));

    otp::send(pid, "code_switch"_a);
    EXPECT_EQ(counter_reply(pid), tuple("counter"_a, 3, binary("v2"))) << "the sum is kept across the switch";
    EXPECT_EQ(otp::process_info(pid)->vsn, "2");
    EXPECT_TRUE(code::soft_purge("counter"_a)) << "nobody runs version 1 any more";
    otp::send(pid, tuple("reset"_a));
    EXPECT_EQ(counter_reply(pid), tuple("counter"_a, 0, binary("v2")));
    otp::exit(pid, atoms::kill);
  });
}

TEST_F(Code, TheStatusServerPrintsTheNewStatusAfterReload) {
  stage("status-1.so", "status.so");
  rt_.run([&] {
    const term pid = code::spawn("status"_a, term());
    otp::register_name("status"_a, pid);
    otp::log::capture log;
    otp::send("status"_a, "status"_a);
    EXPECT_EQ(status_of("status"_a), binary("Status OK"));
    EXPECT_TRUE(log.contains("Status OK"));

    stage("status-2.so", "status.so");    // recompiled in place
    ASSERT_TRUE(code::load("status"_a));  // l(test)
    EXPECT_EQ(status_of("status"_a), binary("Status OK")) << "no change before reload";
    otp::send("status"_a, "reload"_a);
    EXPECT_EQ(status_of("status"_a), binary("Status: all systems go"));
    const term ref = otp::monitor(pid);
    otp::send("status"_a, "quit"_a);
    auto down = otp::receive([&](const term& m) { return m.is_tuple(5) && m[1] == ref; }, 3000ms);
    ASSERT_TRUE(down);
    EXPECT_EQ((*down)[4], term(atoms::normal));
  });
}

TEST_F(Code, UpdatingAModuleNoProcessRunsIsLoadAndPurge) {
  stage("counter-1.so", "counter.so");
  rt_.run([&] {
    ASSERT_TRUE(code::load("counter"_a));
    stage("counter-2.so", "counter.so");
    ASSERT_TRUE(code::load("counter"_a));
    EXPECT_FALSE(code::purge("counter"_a)) << "nobody was killed";
    EXPECT_FALSE(code::check_old_code("counter"_a));
    EXPECT_EQ(code::which("counter"_a)->current->vsn, "2");
  });
}

TEST_F(Code, APlainProcessOnOldCodeIsKilledByPurgeAndItsSupervisorWouldSeeKilled) {
  stage("counter-1.so");
  rt_.run([&] {
    otp::trap_exit(true);
    const term pid = code::spawn("counter"_a, term(1), {.link = true});
    EXPECT_EQ(counter_reply(pid)[2], binary("v1")) << "it loops in version 1 before version 2 is loaded";
    ASSERT_TRUE(code::load_abs(module_file("counter-2.so")));
    EXPECT_TRUE(code::purge("counter"_a));
    auto exit =
        otp::receive([&](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms::exit_) && m[1] == pid; }, 3000ms);
    ASSERT_TRUE(exit);
    EXPECT_EQ((*exit)[2], term(atoms::killed));
    otp::trap_exit(false);
  });
}

}  // namespace
}  // namespace otp_test
