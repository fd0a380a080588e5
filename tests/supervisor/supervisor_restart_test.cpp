// Restarts: the four strategies, restart type × exit reason, restart intensity end to end,
// auto_shutdown with significant children, crash storms and nested supervisors.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>

#include "otp/log.hpp"
#include "otp/supervisor.hpp"
#include "sup_test_support.hpp"

namespace sup_test {
namespace {

using otp::parse_term;

term start_three(sup::strategy s, const term& me, sup::restart_type b_restart = sup::restart_type::permanent,
                 std::int64_t intensity = 10) {
  return pid_of(
      sup::start_link(make_sup(flags_of(s, intensity),
                               {worker_spec("a"_a, me), worker_spec("b"_a, me, b_restart), worker_spec("c"_a, me)}),
                      term()));
}

// ------------------------------------------------------------------------------------------------
// strategies
// ------------------------------------------------------------------------------------------------

TEST(Strategy, OneForOneRestartsOnlyTheDeadChild) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = start_three(sup::strategy::one_for_one, me);
    const term a = await_started("a"_a), b = await_started("b"_a), c = await_started("c"_a);
    kill_and_wait(b);
    const term b2 = await_started("b"_a);
    EXPECT_NE(b2, b);
    EXPECT_FALSE(started_again("a"_a));
    EXPECT_FALSE(started_again("c"_a, milliseconds(0)));
    EXPECT_EQ(child_pid(s, "a"_a), a);
    EXPECT_EQ(child_pid(s, "b"_a), b2);
    EXPECT_EQ(child_pid(s, "c"_a), c);
  });
}

TEST(Strategy, OneForAllTerminatesOthersInReverseOrderThenStartsAllInOrder) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = start_three(sup::strategy::one_for_all, me);
    await_started("a"_a);
    const term b = await_started("b"_a);
    await_started("c"_a);
    kill_and_wait(b);
    EXPECT_EQ(await_stopped_any(), parse_term("{c, shutdown}"));
    EXPECT_EQ(await_stopped_any(), parse_term("{a, shutdown}"));
    for (const char* id : {"a", "b", "c"}) {
      auto m = otp::receive([](const term& x) { return x.is_tuple(3) && x[0].is_atom(atom("started")); },
                            must_happen_within);
      ASSERT_TRUE(m);
      EXPECT_EQ((*m)[1], term(atom(id)));
    }
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 3}, {active, 3}, {supervisors, 0}, {workers, 3}]"));
  });
}

TEST(Strategy, RestForOneRestartsTheDeadAndLaterChildren) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = start_three(sup::strategy::rest_for_one, me);
    const term a = await_started("a"_a);
    const term b = await_started("b"_a);
    await_started("c"_a);
    kill_and_wait(b);
    EXPECT_EQ(await_stopped_any(), parse_term("{c, shutdown}"));
    await_started("b"_a);
    await_started("c"_a);
    EXPECT_FALSE(started_again("a"_a));
    EXPECT_EQ(child_pid(s, "a"_a), a);
  });
}

TEST(Strategy, TemporarySiblingTerminatedByOneForAllIsRemovedNotRestarted) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_all, 10),
                                        {worker_spec("a"_a, me), worker_spec("t"_a, me, sup::restart_type::temporary)}),
                               term()));
    const term a = await_started("a"_a);
    await_started("t"_a);
    kill_and_wait(a);
    EXPECT_EQ(await_stopped_any(), parse_term("{t, shutdown}"));
    await_started("a"_a);
    EXPECT_FALSE(started_again("t"_a));
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 1}, {supervisors, 0}, {workers, 1}]"));
  });
}

TEST(Strategy, OneForAllRestartCountsAsOneRestart) {
  in_sup_test([] {
    const term me = otp::self();
    // intensity 1: one one_for_all restart of three children must not exceed it.
    const term s = start_three(sup::strategy::one_for_all, me, sup::restart_type::permanent, 1);
    await_started("a"_a);
    const term b = await_started("b"_a);
    await_started("c"_a);
    kill_and_wait(b);
    await_started("a"_a);
    await_started("b"_a);
    await_started("c"_a);
    EXPECT_TRUE(otp::is_process_alive(s));
    EXPECT_EQ(await_exit(s, must_not_happen_within), term("no_exit"_a));
  });
}

TEST(Strategy, SimpleOneForOneRestartsWithTheSameArgs) {
  in_sup_test([] {
    const term me = otp::self();
    sup::child_spec spec = worker_spec("d"_a, me);
    spec.start = parse_term("{m, f, [x]}");
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one, 10), {spec}), term()));
    const term c1 = pid_of(sup::start_child(s, parse_term("[one]")));
    const term c2 = pid_of(sup::start_child(s, parse_term("[two]")));
    await_started("d"_a);
    await_started("d"_a);
    kill_and_wait(c1);
    const term c1b = await_started("d"_a);
    EXPECT_EQ(gs::call(c1b, "args"_a), parse_term("[x, one]"));
    EXPECT_EQ(gs::call(c2, "args"_a), parse_term("[x, two]"));
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 2}, {supervisors, 0}, {workers, 2}]"));
  });
}

// ------------------------------------------------------------------------------------------------
// restart type × exit reason
// ------------------------------------------------------------------------------------------------

struct type_case {
  sup::restart_type restart;
  const char* reason;  // in Erlang syntax
  bool restarted;
  bool spec_kept;
  bool reported;
};

class RestartTypeTable : public ::testing::TestWithParam<type_case> {};

TEST_P(RestartTypeTable, FollowsOtp) {
  const type_case tc = GetParam();
  in_sup_test([&] {
    otp::log::capture logged;
    const term me = otp::self();
    worker_options no_trap{.trap_exit = false, .stop_with = std::nullopt};
    const term s = pid_of(sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one, 10), {worker_spec("w"_a, me, tc.restart, no_trap)}), term()));
    const term w = await_started("w"_a);
    const term reason = parse_term(tc.reason);
    const term ref = otp::monitor(w);
    gs::cast(w, tuple("exit"_a, reason));
    otp::test::await_down(ref);
    if (tc.restarted) {
      EXPECT_NE(await_started("w"_a), w);
    } else {
      EXPECT_FALSE(started_again("w"_a));
    }
    const term which = sup::which_children(s);
    if (tc.spec_kept) {
      ASSERT_EQ(which.size(), 1u) << which;
      if (!tc.restarted) {
        EXPECT_EQ(which.head()[1], term(atoms::undefined));
      }
    } else {
      EXPECT_EQ(which, term());
    }
    EXPECT_EQ(logged.contains("child_terminated"), tc.reported) << reason;
  });
}

INSTANTIATE_TEST_SUITE_P(Otp, RestartTypeTable,
                         ::testing::Values(type_case{sup::restart_type::permanent, "normal", true, true, true},
                                           type_case{sup::restart_type::permanent, "shutdown", true, true, true},
                                           type_case{sup::restart_type::permanent, "{shutdown, x}", true, true, true},
                                           type_case{sup::restart_type::permanent, "crashed", true, true, true},
                                           type_case{sup::restart_type::transient, "normal", false, true, false},
                                           type_case{sup::restart_type::transient, "shutdown", false, true, false},
                                           type_case{sup::restart_type::transient, "{shutdown, x}", false, true, false},
                                           type_case{sup::restart_type::transient, "crashed", true, true, true},
                                           type_case{sup::restart_type::temporary, "normal", false, false, false},
                                           type_case{sup::restart_type::temporary, "{shutdown, x}", false, false,
                                                     false},
                                           type_case{sup::restart_type::temporary, "crashed", false, false, true}));

// ------------------------------------------------------------------------------------------------
// restart intensity end to end
// ------------------------------------------------------------------------------------------------

TEST(Intensity, ThreeQuickCrashesWithIntensityTwoShutTheSupervisorDown) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    const term s = pid_of(sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one, 2, 5), {worker_spec("a"_a, me), worker_spec("w"_a, me)}),
        term()));
    await_started("a"_a);
    term w = await_started("w"_a);
    kill_and_wait(w);
    w = await_started("w"_a);
    kill_and_wait(w);
    w = await_started("w"_a);
    kill_and_wait(w);
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
    EXPECT_FALSE(started_again("w"_a, milliseconds(0)));
    EXPECT_EQ(await_stopped_any(), parse_term("{a, shutdown}"));  // the others are terminated
    EXPECT_TRUE(logged.contains("reached_max_restart_intensity"));
    // child_terminated (for the third crash) comes before the shutdown report
    const auto lines = logged.lines();
    std::size_t last_terminated = 0, shutdown_at = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find("child_terminated") != std::string::npos) last_terminated = i;
      if (lines[i].find("reached_max_restart_intensity") != std::string::npos) shutdown_at = i;
    }
    EXPECT_LT(last_terminated, shutdown_at);
  });
}

TEST(Intensity, ZeroGivesUpAtTheFirstCrash) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one, 0, 5), {worker_spec("w"_a, me)}), term()));
    kill_and_wait(await_started("w"_a));
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
  });
}

TEST(Intensity, AGiveUpIsCountedForTheObserver) {
  in_sup_test([] {
    const std::uint64_t before = sup::intensity_exhaustions();
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one, 0, 5), {worker_spec("w"_a, me)}), term()));
    EXPECT_EQ(sup::intensity_exhaustions(), before);  // a start is no give-up
    kill_and_wait(await_started("w"_a));
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
    EXPECT_EQ(sup::intensity_exhaustions(), before + 1);
  });
}

TEST(Intensity, FailedRestartAttemptsCountToo) {
  in_sup_test([] {
    const term me = otp::self();
    // The first restart attempt fails and is retried: two attempts for one crash. Intensity 1 gives up.
    sup::child_spec spec = sup::child_spec::worker("w"_a, failing_fn(0, worker_fn("w"_a, me)));
    auto fails_on_restart = std::make_shared<std::atomic<int>>(0);
    sup::start_function inner = worker_fn("w"_a, me);
    spec.start_fn = [fails_on_restart, inner](const term& args) {
      if (fails_on_restart->fetch_add(1) == 1) return tuple(atoms::error, "once"_a);
      return inner(args);
    };
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one, 1, 5), {spec}), term()));
    kill_and_wait(await_started("w"_a));
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
  });
}

TEST(Intensity, FailedRestartIsRetriedWithinTheIntensity) {
  in_sup_test([] {
    otp::log::capture logged;
    const term me = otp::self();
    auto calls = std::make_shared<std::atomic<int>>(0);
    sup::start_function inner = worker_fn("w"_a, me);
    sup::child_spec spec = sup::child_spec::worker("w"_a, [calls, inner](const term& args) {
      if (calls->fetch_add(1) == 1) return tuple(atoms::error, "once"_a);
      return inner(args);
    });
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one, 2, 5), {spec}), term()));
    kill_and_wait(await_started("w"_a));
    const term again = await_started("w"_a);
    EXPECT_EQ(child_pid(s, "w"_a), again);
    EXPECT_TRUE(logged.contains("start_error"));
  });
}

// ------------------------------------------------------------------------------------------------
// auto_shutdown
// ------------------------------------------------------------------------------------------------

sup::child_spec significant(const term& id, const term& me, sup::restart_type r = sup::restart_type::transient) {
  sup::child_spec spec = worker_spec(id, me, r, worker_options{.trap_exit = false, .stop_with = std::nullopt});
  spec.significant = true;
  return spec;
}

sup::flags auto_flags(sup::auto_shutdown mode, sup::strategy s = sup::strategy::one_for_one) {
  sup::flags f = flags_of(s, 10);
  f.auto_shutdown = mode;
  return f;
}

TEST(AutoShutdown, AnySignificantStopsWhenOneEndsNormally) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = pid_of(sup::start_link(
        make_sup(auto_flags(sup::auto_shutdown::any_significant), {significant("x"_a, me), significant("y"_a, me)}),
        term()));
    const term x = await_started("x"_a);
    gs::cast(x, tuple("exit"_a, atoms::normal));
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
  });
}

TEST(AutoShutdown, TransientSignificantCrashIsRestartedNotAShutdown) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = pid_of(
        sup::start_link(make_sup(auto_flags(sup::auto_shutdown::any_significant), {significant("x"_a, me)}), term()));
    kill_and_wait(await_started("x"_a));
    await_started("x"_a);
    EXPECT_EQ(await_exit(s, must_not_happen_within), term("no_exit"_a));
  });
}

TEST(AutoShutdown, AllSignificantWaitsForTheLast) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = pid_of(sup::start_link(
        make_sup(auto_flags(sup::auto_shutdown::all_significant), {significant("x"_a, me, sup::restart_type::temporary),
                                                                   significant("y"_a, me), worker_spec("z"_a, me)}),
        term()));
    const term x = await_started("x"_a);
    const term y = await_started("y"_a);
    kill_and_wait(x);  // temporary: any reason counts
    EXPECT_EQ(await_exit(s, must_not_happen_within), term("no_exit"_a));
    gs::cast(y, tuple("exit"_a, atoms::shutdown));
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
  });
}

TEST(AutoShutdown, TerminateChildNeverTriggersIt) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = pid_of(
        sup::start_link(make_sup(auto_flags(sup::auto_shutdown::any_significant), {significant("x"_a, me)}), term()));
    await_started("x"_a);
    EXPECT_EQ(sup::terminate_child(s, "x"_a), term(atoms::ok));
    EXPECT_EQ(await_exit(s, must_not_happen_within), term("no_exit"_a));
  });
}

TEST(AutoShutdown, SimpleOneForOneAllSignificantWhenNoChildIsLeft) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = pid_of(
        sup::start_link(make_sup(auto_flags(sup::auto_shutdown::all_significant, sup::strategy::simple_one_for_one),
                                 {significant("d"_a, me, sup::restart_type::temporary)}),
                        term()));
    const term c1 = pid_of(sup::start_child(s, term()));
    const term c2 = pid_of(sup::start_child(s, term()));
    kill_and_wait(c1);
    EXPECT_EQ(await_exit(s, must_not_happen_within), term("no_exit"_a));
    kill_and_wait(c2);
    EXPECT_EQ(await_exit(s), term(atoms::shutdown));
  });
}

TEST(AutoShutdown, SignificantChildNeedsAutoShutdown) {
  in_sup_test([] {
    const term me = otp::self();
    const term r = sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {significant("x"_a, me)}), term());
    EXPECT_EQ(r, parse_term("{error, {start_spec, {bad_combination, [{auto_shutdown, never}, {significant, true}]}}}"));
  });
}

// ------------------------------------------------------------------------------------------------
// crash storms and nested supervisors
// ------------------------------------------------------------------------------------------------

TEST(CrashStorm, OneForAllWithManyChildrenCrashingAtOnceEndsConsistent) {
  in_sup_test([] {
    const term me = otp::self();
    constexpr int n = 40;
    std::vector<sup::child_spec> specs;
    const worker_options no_trap{.trap_exit = false, .stop_with = std::nullopt};
    for (int i = 0; i < n; ++i) specs.push_back(worker_spec(term(i), me, sup::restart_type::permanent, no_trap));
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_all, 1000), specs), term()));
    std::vector<term> pids;
    for (const term which_now = sup::which_children(s); const term& c : which_now.elements()) pids.push_back(c[1]);
    for (const term& p : pids) otp::exit(p, "storm"_a);
    for (const term& p : pids) await_death(p);
    // Wait until every child is alive again (each one answers a call), bounded.
    bool consistent = false;
    for (int attempt = 0; attempt < 2000 && !consistent; ++attempt) {
      const term which = sup::which_children(s);
      consistent = which.size() == n;
      for (const term& c : which.elements()) consistent = consistent && c[1].is_pid() && otp::is_process_alive(c[1]);
      if (!consistent) otp::receive_for(milliseconds(1));
    }
    ASSERT_TRUE(consistent) << sup::which_children(s);
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 40}, {active, 40}, {supervisors, 0}, {workers, 40}]"));
    std::set<term> distinct;
    for (const term which_now = sup::which_children(s); const term& c : which_now.elements()) {
      EXPECT_EQ(gs::call(c[1], "ping"_a), term("pong"_a));
      distinct.insert(c[1]);
    }
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(n));
    for (const term& p : pids) EXPECT_EQ(distinct.count(p), 0u);
  });
}

TEST(CrashStorm, SimpleOneForOneWithManyChildrenCrashingAtOnceEndsConsistent) {
  in_sup_test([] {
    const term me = otp::self();
    constexpr int n = 200;
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one, 10'000),
                                        {worker_spec("d"_a, me, sup::restart_type::permanent,
                                                     worker_options{.trap_exit = false, .stop_with = std::nullopt})}),
                               term()));
    std::vector<term> pids;
    for (int i = 0; i < n; ++i) pids.push_back(pid_of(sup::start_child(s, list(term(i)))));
    for (const term& p : pids) otp::exit(p, "storm"_a);
    for (const term& p : pids) await_death(p);
    for (int i = 0; i < 2 * n; ++i) await_started("d"_a);  // n initial starts + n restarts
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 200}, {supervisors, 0}, {workers, 200}]"));
    std::set<std::int64_t> args;
    for (const term which_now = sup::which_children(s); const term& c : which_now.elements()) {
      ASSERT_TRUE(c[1].is_pid());
      const term got = gs::call(c[1], "args"_a);
      ASSERT_TRUE(got.is_list() && got.size() == 1) << got;
      args.insert(got.head().as_int());
    }
    EXPECT_EQ(args.size(), static_cast<std::size_t>(n));  // every child back with its own args
  });
}

TEST(Nested, SupervisorThatGivesUpTakesItsSubtreeDownInOrderAndIsRestartedByItsParent) {
  in_sup_test([] {
    const term me = otp::self();
    auto inner = make_sup(flags_of(sup::strategy::one_for_one, 0, 5),
                          {worker_spec("i1"_a, me), worker_spec("i2"_a, me), worker_spec("i3"_a, me)});
    sup::child_spec nested = sup::child_spec::supervisor("inner"_a, sup::supervisor_starter(inner));
    const term top = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one, 5), {nested}), term()));
    await_started("i1"_a);
    await_started("i2"_a);
    const term i3 = await_started("i3"_a);
    const term inner_pid = child_pid(top, "inner"_a);
    const term inner_ref = otp::monitor(inner_pid);
    kill_and_wait(i3);  // intensity 0: the inner supervisor gives up
    EXPECT_EQ(await_stopped_any(), parse_term("{i2, shutdown}"));
    EXPECT_EQ(await_stopped_any(), parse_term("{i1, shutdown}"));
    EXPECT_EQ(otp::test::await_down_reason(inner_ref), term(atoms::shutdown));
    // The parent restarts it, with its whole subtree, in order.
    await_started("i1"_a);
    await_started("i2"_a);
    await_started("i3"_a);
    const term inner2 = child_pid(top, "inner"_a);
    EXPECT_TRUE(inner2.is_pid());
    EXPECT_NE(inner2, inner_pid);
    EXPECT_EQ(sup::count_children(inner2), parse_term("[{specs, 3}, {active, 3}, {supervisors, 0}, {workers, 3}]"));
    EXPECT_EQ(sup::get_childspec(top, "inner"_a),
              parse_term("{ok, #{id => inner, start => {'c++', start_link, []}, restart => permanent, significant => "
                         "false, shutdown => infinity, type => supervisor, modules => ['c++']}}"));
  });
}

}  // namespace
}  // namespace sup_test
