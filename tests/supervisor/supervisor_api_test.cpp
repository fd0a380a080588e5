// The supervisor API and its results: start_link, start_child, terminate_child,
// restart_child, delete_child, which_children, count_children, get_childspec, including the
// simple_one_for_one special cases; child specs given as terms with registered start functions.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "otp/supervisor.hpp"
#include "sup_test_support.hpp"

namespace sup_test {
namespace {

using otp::parse_term;

term ids_of(const term& which) {
  std::vector<term> ids;
  for (const term& c : which.elements()) ids.push_back(c[0]);
  return term::make_list(std::move(ids));
}

// ------------------------------------------------------------------------------------------------
// start_link
// ------------------------------------------------------------------------------------------------

TEST(SupervisorStart, StartsChildrenInOrderAndReturnsOk) {
  in_sup_test([] {
    const term me = otp::self();
    const term r = sup::start_link(make_sup(flags_of(sup::strategy::one_for_one),
                                            {worker_spec("a"_a, me), worker_spec("b"_a, me), worker_spec("c"_a, me)}),
                                   term());
    const term sup_pid = pid_of(r);
    ASSERT_TRUE(otp::is_process_alive(sup_pid));
    // started messages arrive in start order
    for (const char* id : {"a", "b", "c"}) {
      auto m = otp::receive([](const term& x) { return x.is_tuple(3) && x[0].is_atom(atom("started")); },
                            must_happen_within);
      ASSERT_TRUE(m);
      EXPECT_EQ((*m)[1], term(atom(id)));
    }
    EXPECT_EQ(ids_of(sup::which_children(sup_pid)), parse_term("[c, b, a]"));
  });
}

TEST(SupervisorStart, InitIgnoreGivesIgnoreAndTheSupervisorExitsNormal) {
  in_sup_test([] {
    const term r = sup::start_link(make_sup([](const term&) { return sup::init_result::ignore(); }), term());
    EXPECT_EQ(r, term("ignore"_a));
  });
}

TEST(SupervisorStart, TakenNameGivesAlreadyStarted) {
  in_sup_test([] {
    auto s = make_sup(flags_of(sup::strategy::one_for_one), {});
    const term first = pid_of(sup::start_link(s, term(), atom("named_sup")));
    EXPECT_EQ(otp::whereis(atom("named_sup")), first);
    EXPECT_EQ(sup::start_link(s, term(), atom("named_sup")), tuple(atoms::error, tuple(atoms::already_started, first)));
  });
}

TEST(SupervisorStart, FailedChildStopsTheStartAndTerminatesTheStartedOnes) {
  in_sup_test([] {
    const term me = otp::self();
    sup::child_spec bad = sup::child_spec::worker("b"_a, answering_fn(tuple(atoms::error, "no_way"_a)));
    const term r = sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one), {worker_spec("a"_a, me), bad, worker_spec("c"_a, me)}), term());
    EXPECT_EQ(r, parse_term("{error, {shutdown, {failed_to_start_child, b, no_way}}}"));
    await_started("a"_a);
    EXPECT_EQ(await_stopped_any(), parse_term("{a, shutdown}"));
    EXPECT_FALSE(started_again("c"_a));
  });
}

TEST(SupervisorStart, BadStartValueBecomesErrorOfThatValue) {
  in_sup_test([] {
    sup::child_spec bad = sup::child_spec::worker("x"_a, answering_fn("weird"_a));
    EXPECT_EQ(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {bad}), term()),
              parse_term("{error, {shutdown, {failed_to_start_child, x, weird}}}"));
  });
}

TEST(SupervisorStart, InitErrorsHaveOtpShapes) {
  in_sup_test([] {
    EXPECT_EQ(sup::start_link(make_sup([](const term&) { return sup::init_result::bad_return("foo"_a); }), term()),
              parse_term("{error, {bad_return, {test_sup, init, foo}}}"));
    EXPECT_EQ(sup::start_link(make_sup([](const term&) {
                                return sup::init_result::ok(parse_term("#{strategy => sideways}"), term());
                              }),
                              term()),
              parse_term("{error, {supervisor_data, {invalid_strategy, sideways}}}"));
    EXPECT_EQ(sup::start_link(make_sup([](const term&) {
                                return sup::init_result::ok(parse_term("#{}"), parse_term("[#{id => a, start => x}]"));
                              }),
                              term()),
              parse_term("{error, {start_spec, {invalid_mfa, x}}}"));
    EXPECT_EQ(sup::start_link(make_sup([](const term&) {
                                return sup::init_result::ok(
                                    parse_term("#{}"),
                                    parse_term("[#{id => a, start => {m, f, []}}, #{id => a, start => {m, f, []}}]"));
                              }),
                              term()),
              parse_term("{error, {start_spec, {duplicate_child_name, a}}}"));
    EXPECT_EQ(sup::start_link(make_sup([](const term&) {
                                return sup::init_result::ok(
                                    parse_term("#{strategy => simple_one_for_one}"),
                                    parse_term("[#{id => a, start => {m, f, []}}, #{id => b, start => {m, f, []}}]"));
                              }),
                              term()),
              parse_term("{error, {bad_start_spec, [#{id => a, start => {m, f, []}}, #{id => b, start => {m, f, "
                         "[]}}]}}"));
  });
}

TEST(SupervisorStart, ChildIgnoringAtStartIsKeptWithoutPid) {
  in_sup_test([] {
    sup::child_spec quiet = sup::child_spec::worker("q"_a, answering_fn("ignore"_a));
    sup::child_spec temp = sup::child_spec::worker("t"_a, answering_fn("ignore"_a));
    temp.restart = sup::restart_type::temporary;
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {quiet, temp}), term()));
    EXPECT_EQ(sup::which_children(s), parse_term("[{q, undefined, worker, ['c++']}]"));
  });
}

TEST(SupervisorStart, TermSpecsStartThroughRegisteredFunctions) {
  in_sup_test([] {
    const term me = otp::self();
    sup::register_start_function(atom("reg_worker"), atom("start_link"), [me](const term& args) {
      return gs::start_link(std::make_shared<test_worker>("reg"_a, me, worker_options{}), args);
    });
    const term s = pid_of(sup::start_link(make_sup([](const term&) {
                                            return sup::init_result::ok(
                                                parse_term("{one_for_one, 1, 5}"),
                                                parse_term("[#{id => r, start => {reg_worker, start_link, [7]}}]"));
                                          }),
                                          term()));
    const term child = await_started("reg"_a);
    EXPECT_EQ(gs::call(child, "args"_a), parse_term("[7]"));
    EXPECT_EQ(sup::get_childspec(s, "r"_a),
              parse_term("{ok, #{id => r, start => {reg_worker, start_link, [7]}, restart => permanent, significant "
                         "=> false, shutdown => 5000, type => worker, modules => [reg_worker]}}"));
    sup::unregister_start_function(atom("reg_worker"), atom("start_link"));
  });
}

TEST(SupervisorStart, UnregisteredStartFunctionIsUndef) {
  in_sup_test([] {
    const term r = sup::start_link(make_sup([](const term&) {
                                     return sup::init_result::ok(
                                         parse_term("#{}"), parse_term("[#{id => u, start => {nomod, nofun, [1]}}]"));
                                   }),
                                   term());
    EXPECT_EQ(r, parse_term("{error, {shutdown, {failed_to_start_child, u, {'EXIT', {undef, [{nomod, nofun, [1], "
                            "[]}]}}}}}"));
  });
}

// ------------------------------------------------------------------------------------------------
// start_child
// ------------------------------------------------------------------------------------------------

TEST(SupervisorStartChild, ResultsAndNewestFirstOrder) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {worker_spec("a"_a, me)}), term()));
    const term b = pid_of(sup::start_child(s, worker_spec("b"_a, me)));
    EXPECT_EQ(ids_of(sup::which_children(s)), parse_term("[b, a]"));
    EXPECT_EQ(sup::start_child(s, worker_spec("b"_a, me)), tuple(atoms::error, tuple(atoms::already_started, b)));
    EXPECT_EQ(sup::terminate_child(s, "b"_a), term(atoms::ok));
    EXPECT_EQ(sup::start_child(s, worker_spec("b"_a, me)), parse_term("{error, already_present}"));
    // Invalid spec terms come back as {error, Reason}.
    EXPECT_EQ(sup::start_child(s, parse_term("#{id => z, start => nope}")), parse_term("{error, {invalid_mfa, nope}}"));
    EXPECT_EQ(sup::start_child(s, parse_term("#{start => {m, f, []}}")), parse_term("{error, missing_id}"));
    // {ok, Pid, Info} passes through.
    sup::child_spec with_info = sup::child_spec::worker("i"_a, [me](const term& args) {
      const term r = gs::start_link(std::make_shared<test_worker>("i"_a, me, worker_options{}), args);
      return tuple(atoms::ok, r[1], "info"_a);
    });
    const term ri = sup::start_child(s, with_info);
    ASSERT_TRUE(ri.is_tuple(3)) << ri;
    EXPECT_EQ(ri[2], term("info"_a));
    EXPECT_EQ(ids_of(sup::which_children(s)), parse_term("[i, b, a]"));
  });
}

TEST(SupervisorStartChild, FailedStartGivesReasonAndChildRecord) {
  in_sup_test([] {
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {}), term()));
    const term r = sup::start_child(s, sup::child_spec::worker("f"_a, answering_fn(parse_term("{error, boom}"))));
    ASSERT_TRUE(r.is_tuple(2) && r[1].is_tuple(2)) << r;
    EXPECT_EQ(r[0], term(atoms::error));
    EXPECT_EQ(r[1][0], term("boom"_a));
    EXPECT_TRUE(r[1][1].is_tuple() && r[1][1][0].is_atom(atom("child"))) << r;
    EXPECT_EQ(sup::which_children(s), term());
  });
}

TEST(SupervisorStartChild, IgnoreGivesOkUndefined) {
  in_sup_test([] {
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {}), term()));
    EXPECT_EQ(sup::start_child(s, sup::child_spec::worker("n"_a, answering_fn("ignore"_a))),
              parse_term("{ok, undefined}"));
    EXPECT_EQ(sup::which_children(s), parse_term("[{n, undefined, worker, ['c++']}]"));
    sup::child_spec temp = sup::child_spec::worker("t"_a, answering_fn("ignore"_a));
    temp.restart = sup::restart_type::temporary;
    EXPECT_EQ(sup::start_child(s, temp), parse_term("{ok, undefined}"));
    EXPECT_EQ(ids_of(sup::which_children(s)), parse_term("[n]"));
  });
}

// ------------------------------------------------------------------------------------------------
// terminate_child, restart_child, delete_child
// ------------------------------------------------------------------------------------------------

TEST(SupervisorTerminateChild, StopsTheChildAndKeepsOrDeletesTheSpec) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one),
                                        {worker_spec("p"_a, me), worker_spec("t"_a, me, sup::restart_type::temporary)}),
                               term()));
    const term p = await_started("p"_a);
    await_started("t"_a);
    EXPECT_EQ(sup::terminate_child(s, "p"_a), term(atoms::ok));
    EXPECT_EQ(await_stopped_any(), parse_term("{p, shutdown}"));
    EXPECT_FALSE(otp::is_process_alive(p));
    EXPECT_FALSE(started_again("p"_a));  // not restarted
    EXPECT_EQ(child_pid(s, "p"_a), term(atoms::undefined));
    EXPECT_EQ(sup::terminate_child(s, "p"_a), term(atoms::ok));  // already stopped: still ok
    const term t = child_pid(s, "t"_a);
    EXPECT_EQ(sup::terminate_child(s, t), term(atoms::ok));  // by pid
    EXPECT_EQ(ids_of(sup::which_children(s)), parse_term("[p]"));
    EXPECT_EQ(sup::terminate_child(s, "nobody"_a), parse_term("{error, not_found}"));
  });
}

TEST(SupervisorRestartChild, Results) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one),
                                        {worker_spec("p"_a, me), worker_spec("t"_a, me, sup::restart_type::temporary)}),
                               term()));
    await_started("p"_a);
    EXPECT_EQ(sup::restart_child(s, "p"_a), parse_term("{error, running}"));
    EXPECT_EQ(sup::restart_child(s, "nobody"_a), parse_term("{error, not_found}"));
    sup::terminate_child(s, "p"_a);
    const term r = sup::restart_child(s, "p"_a);
    EXPECT_EQ(r, tuple(atoms::ok, await_started("p"_a)));
    sup::terminate_child(s, "t"_a);
    EXPECT_EQ(sup::restart_child(s, "t"_a), parse_term("{error, not_found}"));  // temporary spec is gone
  });
}

TEST(SupervisorDeleteChild, Results) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {worker_spec("p"_a, me)}), term()));
    EXPECT_EQ(sup::delete_child(s, "p"_a), parse_term("{error, running}"));
    EXPECT_EQ(sup::delete_child(s, "q"_a), parse_term("{error, not_found}"));
    sup::terminate_child(s, "p"_a);
    EXPECT_EQ(sup::delete_child(s, "p"_a), term(atoms::ok));
    EXPECT_EQ(sup::which_children(s), term());
    EXPECT_EQ(sup::restart_child(s, "p"_a), parse_term("{error, not_found}"));
  });
}

TEST(SupervisorRestarting, ChildWhoseRestartFailsIsRestartingUntilItStarts) {
  in_sup_test([] {
    const term me = otp::self();
    auto failing = std::make_shared<std::atomic<bool>>(false);
    sup::start_function inner = worker_fn("r"_a, me);
    sup::child_spec spec = sup::child_spec::worker("r"_a, [failing, inner](const term& args) {
      if (failing->load()) return tuple(atoms::error, "not_now"_a);
      return inner(args);
    });
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one, 1'000'000'000, 1), {spec}), term()));
    const term first = await_started("r"_a);
    failing->store(true);
    kill_and_wait(first);
    // The supervisor retries through try_again_restart casts and still answers calls meanwhile.
    term which;
    for (int i = 0; i < 1000; ++i) {
      which = sup::which_children(s);
      if (which.size() == 1 && which.head()[1].is_atom(atom("restarting"))) break;
    }
    EXPECT_EQ(which, parse_term("[{r, restarting, worker, ['c++']}]"));
    EXPECT_EQ(sup::restart_child(s, "r"_a), parse_term("{error, restarting}"));
    EXPECT_EQ(sup::delete_child(s, "r"_a), parse_term("{error, restarting}"));
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 0}, {supervisors, 0}, {workers, 1}]"));
    failing->store(false);
    const term second = await_started("r"_a);
    EXPECT_EQ(child_pid(s, "r"_a), second);
  });
}

TEST(SupervisorRestartChild, StartErrorsAndIgnoreAreReturnedAsTheStartGaveThem) {
  in_sup_test([] {
    const term me = otp::self();
    auto mode = std::make_shared<std::atomic<int>>(0);  // 0: start, 1: error, 2: ignore
    sup::start_function inner = worker_fn("x"_a, me);
    sup::child_spec spec = sup::child_spec::worker("x"_a, [mode, inner](const term& args) {
      if (mode->load() == 1) return tuple(atoms::error, "refused"_a);
      if (mode->load() == 2) return term("ignore"_a);
      return inner(args);
    });
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {spec}), term()));
    await_started("x"_a);
    sup::terminate_child(s, "x"_a);
    mode->store(1);
    EXPECT_EQ(sup::restart_child(s, "x"_a), parse_term("{error, refused}"));
    EXPECT_EQ(child_pid(s, "x"_a), term(atoms::undefined));
    mode->store(2);
    EXPECT_EQ(sup::restart_child(s, "x"_a), parse_term("{ok, undefined}"));
    EXPECT_EQ(child_pid(s, "x"_a), term(atoms::undefined));
  });
}

TEST(SupervisorStart, UnlinkedStartAndGetChildspecOfTheTemplate) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start(make_sup(flags_of(sup::strategy::simple_one_for_one), {worker_spec("tmpl"_a, me)}), term()));
    const term got = sup::get_childspec(s, "tmpl"_a);
    EXPECT_EQ(got[0], term(atoms::ok));
    EXPECT_EQ(*got[1].find("id"_a), term("tmpl"_a));
    // Its own parent: an exit signal from anyone else is just an 'EXIT' message from a non-child.
    otp::exit(s, atoms::shutdown);
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 0}, {supervisors, 0}, {workers, 0}]"));
    kill_and_wait(s);
    EXPECT_EQ(await_exit(s, must_not_happen_within), term("no_exit"_a));  // not linked
  });
}

// ------------------------------------------------------------------------------------------------
// which_children, count_children, get_childspec
// ------------------------------------------------------------------------------------------------

TEST(SupervisorInfo, CountChildren) {
  in_sup_test([] {
    const term me = otp::self();
    auto inner = make_sup(flags_of(sup::strategy::one_for_one), {});
    sup::child_spec nested = sup::child_spec::supervisor("sub"_a, sup::supervisor_starter(inner));
    const term s = pid_of(sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one), {worker_spec("a"_a, me), worker_spec("b"_a, me), nested}),
        term()));
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 3}, {active, 3}, {supervisors, 1}, {workers, 2}]"));
    sup::terminate_child(s, "a"_a);
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 3}, {active, 2}, {supervisors, 1}, {workers, 2}]"));
  });
}

TEST(SupervisorInfo, GetChildspecByIdAndPid) {
  in_sup_test([] {
    const term me = otp::self();
    sup::child_spec spec = worker_spec("a"_a, me, sup::restart_type::transient);
    spec.start = parse_term("{my_mod, start_link, [1, 2]}");
    spec.shutdown = sup::shutdown_spec::brutal_kill();
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {spec}), term()));
    const term a = await_started("a"_a);
    const term expected = parse_term(
        "{ok, #{id => a, start => {my_mod, start_link, [1, 2]}, restart => transient, significant => false, "
        "shutdown => brutal_kill, type => worker, modules => [my_mod]}}");
    EXPECT_EQ(sup::get_childspec(s, "a"_a), expected);
    EXPECT_EQ(sup::get_childspec(s, a), expected);
    EXPECT_EQ(sup::get_childspec(s, "b"_a), parse_term("{error, not_found}"));
    EXPECT_EQ(gs::call(a, "args"_a), parse_term("[1, 2]"));  // the callable got A
  });
}

TEST(SupervisorInfo, TemporaryChildAddedLaterShowsUndefinedArgs) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {}), term()));
    sup::child_spec spec = worker_spec("t"_a, me, sup::restart_type::temporary);
    spec.start = parse_term("{m, f, [x]}");
    pid_of(sup::start_child(s, spec));
    const term got = sup::get_childspec(s, "t"_a);
    EXPECT_EQ(*got[1].find("start"_a), parse_term("{m, f, undefined}"));
  });
}

// ------------------------------------------------------------------------------------------------
// simple_one_for_one
// ------------------------------------------------------------------------------------------------

sup::child_spec dynamic_template(const term& observer, sup::restart_type restart = sup::restart_type::permanent) {
  sup::child_spec spec = worker_spec("dyn"_a, observer, restart);
  spec.start = parse_term("{dyn_mod, start_link, [base]}");
  return spec;
}

TEST(SimpleOneForOne, StartChildAppendsExtraArgs) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one), {dynamic_template(me)}), term()));
    EXPECT_EQ(sup::which_children(s), term());
    const term c = pid_of(sup::start_child(s, parse_term("[extra, 2]")));
    EXPECT_EQ(gs::call(c, "args"_a), parse_term("[base, extra, 2]"));
    EXPECT_EQ(sup::which_children(s), list(tuple(atoms::undefined, c, "worker"_a, list("dyn_mod"_a))));
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 1}, {supervisors, 0}, {workers, 1}]"));
    EXPECT_EQ(sup::get_childspec(s, c),
              parse_term("{ok, #{id => dyn, start => {dyn_mod, start_link, [base, extra, 2]}, restart => permanent, "
                         "significant => false, shutdown => 5000, type => worker, modules => [dyn_mod]}}"));
  });
}

TEST(SimpleOneForOne, StartResultsAreUnwrapped) {
  in_sup_test([] {
    sup::child_spec failing = sup::child_spec::worker("d"_a, answering_fn(parse_term("{error, nope}")));
    const term s = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one), {failing}), term()));
    EXPECT_EQ(sup::start_child(s, term()), parse_term("{error, nope}"));
    EXPECT_EQ(sup::count_children(s), parse_term("[{specs, 1}, {active, 0}, {supervisors, 0}, {workers, 0}]"));
    sup::child_spec ignoring = sup::child_spec::worker("d"_a, answering_fn("ignore"_a));
    const term s2 = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one), {ignoring}), term()));
    EXPECT_EQ(sup::start_child(s2, term()), parse_term("{ok, undefined}"));
    EXPECT_EQ(sup::which_children(s2), term());
  });
}

TEST(SimpleOneForOne, SpecialCasesOfTheApi) {
  in_sup_test([] {
    const term me = otp::self();
    const term s =
        pid_of(sup::start_link(make_sup(flags_of(sup::strategy::simple_one_for_one), {dynamic_template(me)}), term()));
    const term c = pid_of(sup::start_child(s, term()));
    EXPECT_EQ(sup::terminate_child(s, "dyn"_a), parse_term("{error, simple_one_for_one}"));
    EXPECT_EQ(sup::restart_child(s, "dyn"_a), parse_term("{error, simple_one_for_one}"));
    EXPECT_EQ(sup::delete_child(s, "dyn"_a), parse_term("{error, simple_one_for_one}"));
    // An alive process that is not a child: not_found. A dead pid: ok.
    EXPECT_EQ(sup::terminate_child(s, me), parse_term("{error, not_found}"));
    const term dead = otp::spawn([] {});
    await_death(dead);
    EXPECT_EQ(sup::terminate_child(s, dead), term(atoms::ok));
    EXPECT_EQ(sup::terminate_child(s, c), term(atoms::ok));
    EXPECT_FALSE(otp::is_process_alive(c));
    EXPECT_EQ(sup::which_children(s), term());
  });
}

TEST(SupervisorRestartCounts, CountEachChildsRestartsAfterItExited) {
  in_sup_test([] {
    const term me = otp::self();
    const term s = pid_of(sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one, 5), {worker_spec("a"_a, me), worker_spec("b"_a, me)}), term()));
    EXPECT_EQ(sup::restart_counts(s), parse_term("[{a, 0}, {b, 0}]"));
    std::vector<term> seen{child_pid(s, "a"_a)};
    for (int i = 0; i < 2; ++i) {
      gs::cast(seen.back(), tuple("exit"_a, "boom"_a));
      const auto started = otp::receive(
          [&](const term& m) {
            return m.is_tuple(3) && m[0] == "started"_a && m[1] == "a"_a &&
                   std::find(seen.begin(), seen.end(), m[2]) == seen.end();
          },
          must_happen_within);
      ASSERT_TRUE(started);
      seen.push_back((*started)[2]);
    }
    EXPECT_EQ(sup::restart_counts(s), parse_term("[{a, 2}, {b, 0}]"));
    EXPECT_EQ(sup::terminate_child(s, "b"_a), "ok"_a);
    EXPECT_EQ(sup::restart_child(s, "b"_a)[0], "ok"_a);
    EXPECT_EQ(sup::restart_counts(s), parse_term("[{a, 2}, {b, 0}]")) << "restart_child is no restart after an exit";
  });
}

}  // namespace
}  // namespace sup_test
