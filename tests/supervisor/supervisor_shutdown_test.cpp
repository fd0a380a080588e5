// Shutdown: brutal_kill, timeout then kill, infinity, shutdown_error reports, reverse start
// order on the supervisor's own exit, simple_one_for_one's parallel shutdown; code_change
// through sys; reports.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "otp/log.hpp"
#include "otp/supervisor.hpp"
#include "otp/sys.hpp"
#include "sup_test_support.hpp"

namespace sup_test {
namespace {

using otp::parse_term;

// ------------------------------------------------------------------------------------------------
// shutdown of one child
// ------------------------------------------------------------------------------------------------

TEST(Shutdown, BrutalKillIsKilledAndOk) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    sup::child_spec spec = worker_spec("w"_a, me);
    spec.shutdown = sup::shutdown_spec::brutal_kill();
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {spec}), term()));
    const term w = await_started("w"_a);
    const term ref = otp::monitor(w);
    EXPECT_EQ(sup::terminate_child(s, "w"_a), term(atoms::ok));
    EXPECT_EQ(otp::test::await_down_reason(ref), term(atoms::killed));
    EXPECT_FALSE(otp::receive([](const term& x) { return x.is_tuple(3) && x[0].is_atom(atom("stopped")); },
                              milliseconds(0)));  // terminate never ran
    EXPECT_FALSE(logged.contains("shutdown_error"));
  });
}

TEST(Shutdown, ChildIgnoringShutdownIsKilledAfterItsTimeout) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    sup::child_spec spec = sup::child_spec::worker("stubborn"_a, stubborn_fn(me, "stubborn"_a));
    spec.shutdown = sup::shutdown_spec::after(50);
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {spec}), term()));
    const term w = await_started("stubborn"_a);
    const term ref = otp::monitor(w);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(sup::terminate_child(s, "stubborn"_a), term(atoms::ok));
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(otp::test::await_down_reason(ref), term(atoms::killed));
    EXPECT_GE(took, 50ms);
    EXPECT_LT(took, 2000ms);
    EXPECT_TRUE(logged.contains("shutdown_error"));  // killed after the timeout is a shutdown error
    EXPECT_TRUE(logged.contains("killed"));
  });
}

TEST(Shutdown, InfinityWaitsForTheChild) {
  in_sup_test([] {
    const term me = otp::self();
    sup::child_spec spec = worker_spec("w"_a, me);
    spec.shutdown = sup::shutdown_spec::infinity();
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {spec}), term()));
    await_started("w"_a);
    EXPECT_EQ(sup::terminate_child(s, "w"_a), term(atoms::ok));
    EXPECT_EQ(await_stopped_any(), parse_term("{w, shutdown}"));
  });
}

TEST(Shutdown, OtherExitReasonIsAShutdownError) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    sup::child_spec spec = worker_spec("w"_a, me, sup::restart_type::permanent,
                                       worker_options{.trap_exit = true, .stop_with = parse_term("{odd, reason}")});
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {spec}), term()));
    await_started("w"_a);
    EXPECT_EQ(sup::terminate_child(s, "w"_a), term(atoms::ok));
    EXPECT_TRUE(logged.contains("shutdown_error"));
    EXPECT_TRUE(logged.contains("{odd,reason}"));
  });
}

TEST(Shutdown, NormalIsOkForNonPermanentOnlyAndShutdownTupleToo) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    sup::child_spec transient_normal = worker_spec("t"_a, me, sup::restart_type::transient,
                                                   worker_options{.trap_exit = true, .stop_with = term(atoms::normal)});
    sup::child_spec transient_tuple =
        worker_spec("u"_a, me, sup::restart_type::transient,
                    worker_options{.trap_exit = true, .stop_with = parse_term("{shutdown, bye}")});
    sup::child_spec permanent_normal = worker_spec("p"_a, me, sup::restart_type::permanent,
                                                   worker_options{.trap_exit = true, .stop_with = term(atoms::normal)});
    const term s = pid_of(sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one), {transient_normal, transient_tuple, permanent_normal}), term()));
    EXPECT_EQ(sup::terminate_child(s, "t"_a), term(atoms::ok));
    EXPECT_EQ(sup::terminate_child(s, "u"_a), term(atoms::ok));
    EXPECT_FALSE(logged.contains("shutdown_error"));
    EXPECT_EQ(sup::terminate_child(s, "p"_a), term(atoms::ok));
    EXPECT_TRUE(logged.contains("shutdown_error"));
  });
}

// ------------------------------------------------------------------------------------------------
// the supervisor's own exit
// ------------------------------------------------------------------------------------------------

TEST(SupervisorExit, ChildrenAreTerminatedInReverseStartOrder) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one),
                                        {worker_spec("a"_a, me), worker_spec("b"_a, me), worker_spec("c"_a, me)}),
                               term()));
    pid_of(sup::start_child(s, worker_spec("d"_a, me)));
    otp::exit(s, atoms::shutdown);  // from the parent: the supervisor traps it and terminates
    EXPECT_EQ(await_stopped_any(), parse_term("{d, shutdown}"));
    EXPECT_EQ(await_stopped_any(), parse_term("{c, shutdown}"));
    EXPECT_EQ(await_stopped_any(), parse_term("{b, shutdown}"));
    EXPECT_EQ(await_stopped_any(), parse_term("{a, shutdown}"));
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
  });
}

TEST(SupervisorExit, SimpleOneForOneStopsAllChildrenInParallelWithOneTimer) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    sup::child_spec spec = sup::child_spec::worker("stubborn"_a, stubborn_fn(me, "stubborn"_a));
    spec.shutdown = sup::shutdown_spec::after(100);
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one), {spec}), term()));
    std::vector<term> refs;
    for (int i = 0; i < 10; ++i) refs.push_back(otp::monitor(pid_of(sup::start_child(s, term()))));
    const auto t0 = std::chrono::steady_clock::now();
    otp::exit(s, atoms::shutdown);
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
    const auto took = std::chrono::steady_clock::now() - t0;
    for (const term& r : refs) EXPECT_EQ(otp::test::await_down_reason(r), term(atoms::killed));
    EXPECT_GE(took, 100ms);
    EXPECT_LT(took, 1000ms);  // one timer for all ten, not ten in a row
    EXPECT_TRUE(logged.contains("nb_children,10"));
  });
}

TEST(SupervisorExit, SimpleOneForOneShutdownOfWellBehavedChildren) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    const term s = pid_of(
        sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one), {worker_spec("d"_a, me)}), term()));
    for (int i = 0; i < 5; ++i) pid_of(sup::start_child(s, term()));
    otp::exit(s, atoms::shutdown);
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
    for (int i = 0; i < 5; ++i) EXPECT_EQ(await_stopped_any()[1], term(atoms::shutdown));
    EXPECT_FALSE(logged.contains("shutdown_error"));
  });
}

// ------------------------------------------------------------------------------------------------
// code_change
// ------------------------------------------------------------------------------------------------

TEST(CodeChange, ReRunsInitUpdatesSpecsKeepsPidsAddsNewIdsUnstarted) {
  in_sup_test([] {
    const term me = otp::self();
    auto version = std::make_shared<std::atomic<int>>(1);
    auto seen_args = std::make_shared<std::atomic<int>>(0);
    auto s_behaviour = make_sup([me, version, seen_args](const term& args) {
      seen_args->store(static_cast<int>(args.as_int()));
      if (version->load() == 1)
        return sup::init_result::ok(flags_of(sup::strategy::one_for_one, 1),
                                    {worker_spec("a"_a, me), worker_spec("old"_a, me)});
      if (version->load() == 3) return sup::init_result::ignore();
      sup::child_spec a = worker_spec("a"_a, me, sup::restart_type::transient);
      a.shutdown = sup::shutdown_spec::brutal_kill();
      return sup::init_result::ok(flags_of(sup::strategy::one_for_one, 7), {a, worker_spec("new"_a, me)});
    });
    const term s = pid_of(sup::start_link(s_behaviour, term(42)));
    const term a = await_started("a"_a);
    const term old = await_started("old"_a);
    version->store(2);
    seen_args->store(0);
    otp::sys::suspend(s);
    EXPECT_EQ(otp::sys::change_code(s, atom("test_sup"), term(), term()), term(atoms::ok));
    otp::sys::resume(s);
    EXPECT_EQ(seen_args->load(), 42);  // the original args
    EXPECT_FALSE(started_again("new"_a));
    EXPECT_EQ(child_pid(s, "a"_a), a);
    EXPECT_EQ(child_pid(s, "old"_a), old);
    EXPECT_EQ(child_pid(s, "new"_a), term(atoms::undefined));
    EXPECT_EQ(*sup::get_childspec(s, "a"_a)[1].find("restart"_a), term("transient"_a));
    EXPECT_EQ(*sup::get_childspec(s, "a"_a)[1].find("shutdown"_a), term("brutal_kill"_a));
    const term restarted = sup::restart_child(s, "new"_a);
    EXPECT_EQ(restarted, tuple(atoms::ok, await_started("new"_a)));
    // ignore keeps the state
    version->store(3);
    otp::sys::suspend(s);
    EXPECT_EQ(otp::sys::change_code(s, atom("test_sup"), term(), term()), term(atoms::ok));
    otp::sys::resume(s);
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 3}, {active, 3}, {supervisors, 0}, {workers, 3}]"));
  });
}

TEST(CodeChange, NewIntensityApplies) {
  in_sup_test([] {
    const term me = otp::self();
    auto version = std::make_shared<std::atomic<int>>(1);
    auto s_behaviour = make_sup([me, version](const term&) {
      return sup::init_result::ok(flags_of(sup::strategy::one_for_one, version->load() == 1 ? 5 : 0),
                                  {worker_spec("a"_a, me)});
    });
    const term s = pid_of(sup::start_link(s_behaviour, term()));
    await_started("a"_a);
    version->store(2);
    otp::sys::suspend(s);
    EXPECT_EQ(otp::sys::change_code(s, atom("test_sup"), term(), term()), term(atoms::ok));
    otp::sys::resume(s);
    kill_and_wait(child_pid(s, "a"_a));
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));  // intensity is now 0
  });
}

TEST(CodeChange, InvalidNewFlagsAreAnErrorAndKeepTheState) {
  in_sup_test([] {
    const term me = otp::self();
    auto version = std::make_shared<std::atomic<int>>(1);
    auto s_behaviour = make_sup([me, version](const term&) {
      if (version->load() == 1)
        return sup::init_result::ok(flags_of(sup::strategy::one_for_one), {worker_spec("a"_a, me)});
      return sup::init_result::ok(parse_term("#{intensity => -3}"), term());
    });
    const term s = pid_of(sup::start_link(s_behaviour, term()));
    version->store(2);
    otp::sys::suspend(s);
    EXPECT_EQ(otp::sys::change_code(s, atom("test_sup"), term(), term()),
              parse_term("{error, {invalid_intensity, -3}}"));
    otp::sys::resume(s);
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 1}, {supervisors, 0}, {workers, 1}]"));
  });
}

// ------------------------------------------------------------------------------------------------
// reports
// ------------------------------------------------------------------------------------------------

TEST(Reports, ProgressAndChildTerminatedHaveOtpFields) {
  in_sup_test([] {
    const auto saved = otp::log::get_level();
    otp::log::set_level(otp::log::level::info);
    otp::log::capture logged;
    const term me = otp::self();
    sup::child_spec spec = worker_spec("w"_a, me);
    spec.start = parse_term("{wmod, start_link, []}");
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {spec}), term(), atom("reporting_sup")));
    const term w = await_started("w"_a);
    kill_and_wait(w);
    await_started("w"_a);
    sup::terminate_child(s, "w"_a);
    otp::log::set_level(saved);
    bool progress = false, terminated = false;
    for (const auto& r : logged.records()) {
      if (r.text.find("PROGRESS REPORT") != std::string::npos) {
        progress = true;
        EXPECT_EQ(r.severity, otp::log::level::info);
        EXPECT_NE(r.text.find("supervisor: {local,reporting_sup}"), std::string::npos) << r.text;
        EXPECT_NE(r.text.find("[{pid,"), std::string::npos) << r.text;
        EXPECT_NE(r.text.find("{id,w},{mfargs,{wmod,start_link,[]}},{restart_type,permanent},{significant,false},"
                              "{shutdown,5000},{child_type,worker}]"),
                  std::string::npos)
            << r.text;
      }
      if (r.text.find("SUPERVISOR REPORT") != std::string::npos &&
          r.text.find("child_terminated") != std::string::npos) {
        terminated = true;
        EXPECT_EQ(r.severity, otp::log::level::error);
        EXPECT_NE(r.text.find("errorContext: child_terminated"), std::string::npos) << r.text;
        EXPECT_NE(r.text.find("reason: killed"), std::string::npos) << r.text;
        EXPECT_NE(r.text.find("offender: [{pid," + w.to_string() + "},{id,w}"), std::string::npos) << r.text;
      }
    }
    EXPECT_TRUE(progress);
    EXPECT_TRUE(terminated);
  });
}

TEST(Reports, UnregisteredSupervisorIsNamedByPidAndModule) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one, 5), {worker_spec("w"_a, me)}), term()));
    kill_and_wait(await_started("w"_a));
    await_started("w"_a);
    EXPECT_TRUE(logged.contains("supervisor: {" + s.to_string() + ",test_sup}"));
  });
}

TEST(Reports, StartErrorIsReported) {
  in_sup_test([] {
    otp::log::capture logged;
    sup::child_spec bad = sup::child_spec::worker("b"_a, answering_fn(parse_term("{error, nope}")));
    sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {bad}), term());
    EXPECT_TRUE(logged.contains("errorContext: start_error"));
    EXPECT_TRUE(logged.contains("reason: nope"));
  });
}

}  // namespace
}  // namespace sup_test
