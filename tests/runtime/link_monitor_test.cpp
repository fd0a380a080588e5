// Links, exit signals, trap_exit and monitors (otp/process.hpp), with OTP 25's semantics:
//   - a process that ends with a reason other than normal takes its linked, non-trapping
//     processes with it (same reason); a trapping process gets {'EXIT', Pid, Reason} instead;
//   - exit(Pid, kill) is untrappable and becomes `killed`; a *linked* exit with reason kill is an
//     ordinary (trappable) reason;
//   - exit(Pid, normal) is ignored unless Pid traps exits (or Pid is the caller itself);
//   - monitors deliver {'DOWN', Ref, process, Object, Reason}; Object is {Name, Node} when the
//     monitor was set up by name; a dead target gives noproc at once.
//
// Each test owns its runtime; waits are bounded receives, never sleeps.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term.hpp"
#include "otp/term_text.hpp"
#include "process_waits.hpp"

namespace otp {
namespace {

using namespace std::chrono_literals;
using namespace otp::test;

// True when a 'DOWN' for `ref` arrives within the short "must not happen" window.
bool down_arrives_soon(const term& ref) {
  return receive([&](const term& x) { return is_down_of(x, ref); }, must_not_happen_within).has_value();
}

// Answers {ping, From} with {pong, self()}; forwards everything else to `sink` as {got, Msg}.
void echo_loop(const term& sink) {
  for (;;) {
    const term m = receive();
    if (m.is_tuple(2) && m[0].is_atom(atom("ping")))
      send(m[1], tuple(atom("pong"), self()));
    else if (!sink.is_nil())
      send(sink, tuple(atom("got"), m));
  }
}

bool answers_ping(const term& pid) {
  send(pid, tuple(atom("ping"), self()));
  return receive_exactly(tuple(atom("pong"), pid)).has_value();
}

// A dead pid (a process that has ended and been reported 'DOWN').
term dead_pid() {
  const term pid_and_ref = spawn_monitor([] {});
  await_down(pid_and_ref[1]);
  return pid_and_ref[0];
}

// --- links -----------------------------------------------------------------------------------

TEST(Link, ACrashOfALinkedProcessKillsTheOtherWithTheSameReason) {
  runtime rt;
  const auto [crashed_reason, linked_reason] = rt.run([] {
    const term me = self();
    const term a = spawn([me] {
      const term b = spawn_link([] {
        receive();
        otp::exit(tuple(atom("boom"), 1));
      });
      send(me, tuple(atom("b_is"), b));
      receive();
    });
    const term ref_a = monitor(a);
    const term b = await_tagged(atom("b_is"));
    const term ref_b = monitor(b);
    send(b, atom("go"));
    const term rb = await_down_reason(ref_b);
    return std::pair{rb, await_down_reason(ref_a)};
  });
  EXPECT_EQ(crashed_reason, tuple(atom("boom"), 1));
  EXPECT_EQ(linked_reason, tuple(atom("boom"), 1));
}

TEST(Link, ACrashOfTheSpawnerKillsItsLinkedChildWithTheSameReason) {
  runtime rt;
  const term child_reason = rt.run([] {
    const term me = self();
    const term a = spawn_gated([me] {
      const term b = spawn_link([] { receive(); });
      send(me, tuple(atom("b_is"), b));
      receive();
      throw std::runtime_error("spawner died");
    });
    send(a, atom("go"));
    const term b = await_tagged(atom("b_is"));
    const term ref_b = monitor(b);
    send(a, atom("crash"));
    return await_down_reason(ref_b);
  });
  EXPECT_EQ(child_reason, tuple(atoms::exception, binary("std::runtime_error"), binary("spawner died")));
}

TEST(Link, ATrappingProcessGetsAnExitMessageInsteadOfDying) {
  runtime rt;
  const auto [message, b, a_died, a_answers] = rt.run([] {
    const term me = self();
    const term a = spawn([me] {
      trap_exit(true);
      const term linked = spawn_link([] {
        receive();
        otp::exit(atom("boom"));
      });
      send(me, tuple(atom("b_is"), linked));
      send(me, tuple(atom("a_got"), receive()));
      echo_loop(term());
    });
    const term ref_a = monitor(a);
    const term pid_b = await_tagged(atom("b_is"));
    send(pid_b, atom("go"));
    const term got = await_tagged(atom("a_got"));
    return std::tuple{got, pid_b, down_arrives_soon(ref_a), answers_ping(a)};
  });
  EXPECT_EQ(message, tuple(atoms::exit_, b, atom("boom")));
  EXPECT_FALSE(a_died);
  EXPECT_TRUE(a_answers);
}

TEST(Link, ANormalExitOfALinkedProcessDoesNotKillANonTrappingProcess) {
  runtime rt;
  const auto [b_reason, a_died, a_answers] = rt.run([] {
    const term me = self();
    const term a = spawn([me] {
      const term b = spawn_link([] { receive(); });
      const term ref = monitor(b);
      send(b, atom("go"));
      // B's exit signal reaches A before B's 'DOWN' does (signals between a pair keep order).
      send(me, tuple(atom("b_down"), await_down_reason(ref)));
      echo_loop(term());
    });
    const term ref_a = monitor(a);
    const term r = await_tagged(atom("b_down"));
    return std::tuple{r, down_arrives_soon(ref_a), answers_ping(a)};
  });
  EXPECT_EQ(b_reason, term(atoms::normal));
  EXPECT_FALSE(a_died);
  EXPECT_TRUE(a_answers);
}

TEST(Link, ATrappingProcessGetsAnExitMessageForANormalExitOfALinkedProcess) {
  runtime rt;
  const auto [message, b] = rt.run([] {
    const term me = self();
    spawn([me] {
      trap_exit(true);
      const term linked = spawn_link([] {});
      send(me, tuple(atom("b_is"), linked));
      send(me, tuple(atom("a_got"), receive()));
    });
    const term pid_b = await_tagged(atom("b_is"));
    return std::pair{await_tagged(atom("a_got")), pid_b};
  });
  EXPECT_EQ(message, tuple(atoms::exit_, b, atoms::normal));
}

TEST(Link, ExitKillEndsATrappingProcessWithKilled) {
  runtime rt;
  const term reason = rt.run([] {
    const term me = self();
    const term a = spawn([me] {
      trap_exit(true);
      send(me, atom("trapping"));
      for (;;) receive();
    });
    const term ref = monitor(a);
    receive_exactly(atom("trapping"));
    otp::exit(a, atoms::kill);
    return await_down_reason(ref);
  });
  EXPECT_EQ(reason, term(atoms::killed));
}

TEST(Link, AKilledProcessSendsKilledToItsLinks) {
  runtime rt;
  const auto [trapped, b, non_trapping_reason] = rt.run([] {
    const term me = self();
    // A traps and sees the link's reason as a message.
    spawn([me] {
      trap_exit(true);
      const term linked = spawn_link([] { receive(); });
      send(me, tuple(atom("b_is"), linked));
      send(me, tuple(atom("a_got"), receive()));
    });
    const term pid_b = await_tagged(atom("b_is"));
    otp::exit(pid_b, atoms::kill);
    const term got = await_tagged(atom("a_got"));
    // C does not trap and dies with the link's reason, killed.
    const term c = spawn([me] {
      const term linked = spawn_link([] { receive(); });
      send(me, tuple(atom("d_is"), linked));
      receive();
    });
    const term ref_c = monitor(c);
    otp::exit(await_tagged(atom("d_is")), atoms::kill);
    return std::tuple{got, pid_b, await_down_reason(ref_c)};
  });
  EXPECT_EQ(trapped, tuple(atoms::exit_, b, atoms::killed));
  EXPECT_EQ(non_trapping_reason, term(atoms::killed));
}

TEST(Link, ALinkedExitWithReasonKillIsAnOrdinaryTrappableReason) {
  runtime rt;
  const auto [trapped, b, non_trapping_reason] = rt.run([] {
    const term me = self();
    spawn([me] {
      trap_exit(true);
      const term linked = spawn_link([] {
        receive();
        otp::exit(atoms::kill);
      });
      send(me, tuple(atom("b_is"), linked));
      send(me, tuple(atom("a_got"), receive()));
    });
    const term pid_b = await_tagged(atom("b_is"));
    send(pid_b, atom("go"));
    const term got = await_tagged(atom("a_got"));
    const term c = spawn([me] {
      const term linked = spawn_link([] {
        receive();
        otp::exit(atoms::kill);
      });
      send(me, tuple(atom("d_is"), linked));
      receive();
    });
    const term ref_c = monitor(c);
    send(await_tagged(atom("d_is")), atom("go"));
    return std::tuple{got, pid_b, await_down_reason(ref_c)};
  });
  EXPECT_EQ(trapped, tuple(atoms::exit_, b, atoms::kill));
  EXPECT_EQ(non_trapping_reason, term(atoms::kill));  // not `killed`: only exit/2's kill is untrappable
}

TEST(Link, ExitNormalToANonTrappingProcessDoesNothing) {
  runtime rt;
  const auto [died, answers] = rt.run([] {
    const term a = spawn([] { echo_loop(term()); });
    const term ref = monitor(a);
    otp::exit(a, atoms::normal);
    const bool pong = answers_ping(a);  // handled after the exit signal (same sender)
    return std::pair{down_arrives_soon(ref), pong};
  });
  EXPECT_FALSE(died);
  EXPECT_TRUE(answers);
}

TEST(Link, ExitNormalToATrappingProcessGivesItAnExitMessage) {
  runtime rt;
  const auto [message, sender, alive] = rt.run([] {
    const term me = self();
    const term a = spawn([me] {
      trap_exit(true);
      echo_loop(me);
    });
    otp::exit(a, atoms::normal);
    const term got = await_tagged(atom("got"));
    return std::tuple{got, me, answers_ping(a)};
  });
  EXPECT_EQ(message, tuple(atoms::exit_, sender, atoms::normal));
  EXPECT_TRUE(alive);
}

TEST(Link, ExitShutdownEndsANonTrappingProcessWithShutdown) {
  runtime rt;
  const term reason = rt.run([] {
    const term a = spawn([] { echo_loop(term()); });
    const term ref = monitor(a);
    otp::exit(a, atoms::shutdown);
    return await_down_reason(ref);
  });
  EXPECT_EQ(reason, term(atoms::shutdown));
}

TEST(Link, AnExitSignalToATrappingProcessBecomesAMessageWhateverTheReason) {
  runtime rt;
  const auto [messages, sender] = rt.run([] {
    const term me = self();
    const term a = spawn([me] {
      trap_exit(true);
      echo_loop(me);
    });
    otp::exit(a, atoms::shutdown);
    otp::exit(a, tuple(atom("custom"), 2));
    std::vector<term> got{await_tagged(atom("got")), await_tagged(atom("got"))};
    return std::pair{got, me};
  });
  EXPECT_EQ(messages, (std::vector<term>{tuple(atoms::exit_, sender, atoms::shutdown),
                                         tuple(atoms::exit_, sender, tuple(atom("custom"), 2))}));
}

TEST(Link, ExitNormalToItselfEndsANonTrappingCallerWithNormal) {
  runtime rt;
  const auto [reason, carried_on] = rt.run([] {
    const term me = self();
    const term a = spawn_gated([me] {
      otp::exit(self(), atoms::normal);
      send(me, atom("carried_on"));
    });
    const term ref = monitor(a);
    send(a, atom("go"));
    const term r = await_down_reason(ref);
    return std::pair{r, receive_exactly(atom("carried_on"), must_not_happen_within).has_value()};
  });
  EXPECT_EQ(reason, term(atoms::normal));
  EXPECT_FALSE(carried_on);
}

TEST(Link, ExitKillToItselfEndsEvenATrappingCallerWithKilled) {
  runtime rt;
  const term reason = rt.run([] {
    const term a = spawn_gated([] {
      trap_exit(true);
      otp::exit(self(), atoms::kill);
      receive();
    });
    const term ref = monitor(a);
    send(a, atom("go"));
    return await_down_reason(ref);
  });
  EXPECT_EQ(reason, term(atoms::killed));
}

TEST(Link, ExitTwoFromAPlainThreadDeliversTheSignal) {
  runtime rt;
  const term a = spawn([] { echo_loop(term()); });
  const term reason = rt.run([&] {
    const term ref = monitor(a);
    std::thread([a] { otp::exit(a, atom("from_thread")); }).join();
    return await_down_reason(ref);
  });
  EXPECT_EQ(reason, term(atom("from_thread")));
}

TEST(Link, UnlinkStopsPropagationBothWays) {
  runtime rt;
  const auto [b_reason, a_died, a_answers, links_after] = rt.run([] {
    const term me = self();
    const term a = spawn([me] {
      const term b = spawn_link([] {
        receive();
        otp::exit(atom("boom"));
      });
      otp::unlink(b);
      const term ref = monitor(b);
      send(b, atom("go"));  // B handles the unlink before this (signals between a pair keep order)
      send(me, tuple(atom("b_down"), await_down_reason(ref)));
      echo_loop(term());
    });
    const term ref_a = monitor(a);
    const term r = await_tagged(atom("b_down"));
    const bool died = down_arrives_soon(ref_a);
    const bool answers = answers_ping(a);
    auto info = process_info(a);
    return std::tuple{r, died, answers, info ? info->links.size() : 99u};
  });
  EXPECT_EQ(b_reason, term(atom("boom")));
  EXPECT_FALSE(a_died);
  EXPECT_TRUE(a_answers);
  EXPECT_EQ(links_after, 0u);
}

TEST(Link, UnlinkRemovesTheLinkOnTheOtherSideToo) {
  runtime rt;
  const auto [b_survived, b_links] = rt.run([] {
    const term me = self();
    const term a = spawn_gated([me] {
      const term b = spawn_link([] { echo_loop(term()); });
      otp::unlink(b);
      send(me, tuple(atom("b_is"), b));
      receive();
      throw std::runtime_error("a crashes after unlinking");
    });
    const term ref_a = monitor(a);
    send(a, atom("go"));
    const term b = await_tagged(atom("b_is"));
    send(a, atom("crash"));
    await_down(ref_a);
    const bool answers = answers_ping(b);
    auto info = process_info(b);
    return std::pair{answers, info ? info->links.size() : 99u};
  });
  EXPECT_TRUE(b_survived);
  EXPECT_EQ(b_links, 0u);
}

// The unlink must win even when the other process never looked at its mailbox before dying, and
// whatever its exit reason (noproc included): after unlink(B) returns, no {'EXIT', B, _} for the
// link may arrive.
TEST(Link, UnlinkStopsPropagationEvenIfTheOtherSideNeverSawTheLink) {
  runtime rt(runtime_options{.schedulers = 2});
  auto released = std::make_shared<std::atomic<bool>>(false);
  auto spinning = std::make_shared<std::promise<void>>();
  auto outcome = std::make_shared<std::promise<term>>();
  // B computes without receiving (so a link and an unlink stay in its inbox), then exits. It gives
  // up after a while, should A never run: a computing process cannot be killed.
  const term b = spawn([released, spinning] {
    spinning->set_value();
    const auto give_up = std::chrono::steady_clock::now() + 3s;
    while (!released->load() && std::chrono::steady_clock::now() < give_up) {
    }
    otp::exit(atoms::noproc);
  });
  ASSERT_EQ(spinning->get_future().wait_for(3s), std::future_status::ready);
  spawn([b, released, outcome] {
    trap_exit(true);
    otp::link(b);
    otp::unlink(b);
    const term ref = monitor(b);
    released->store(true);
    await_down(ref);  // any exit signal from B would be queued before its 'DOWN'
    auto exit_message = receive([](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms::exit_); }, 0ms);
    outcome->set_value(exit_message ? *exit_message : term(atom("no_exit_message")));
  });
  auto result = outcome->get_future();
  ASSERT_EQ(result.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(result.get(), term(atom("no_exit_message")));
}

TEST(Link, LinkToADeadPidEndsANonTrappingCallerWithNoproc) {
  runtime rt;
  const auto [reason, carried_on] = rt.run([] {
    const term me = self();
    const term dead = dead_pid();
    const term a = spawn_gated([me, dead] {
      otp::link(dead);
      send(me, atom("carried_on"));
    });
    const term ref = monitor(a);
    send(a, atom("go"));
    const term r = await_down_reason(ref);
    return std::pair{r, receive_exactly(atom("carried_on"), must_not_happen_within).has_value()};
  });
  EXPECT_EQ(reason, term(atoms::noproc));
  EXPECT_FALSE(carried_on);
}

TEST(Link, LinkToADeadPidGivesATrappingCallerAnExitNoprocMessage) {
  runtime rt;
  const auto [message, dead, links] = rt.run([] {
    const term d = dead_pid();
    trap_exit(true);
    otp::link(d);
    auto m = receive([](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_); }, must_happen_within);
    auto info = process_info(self());
    return std::tuple{m, d, info ? info->links : std::vector<term>{atom("no_info")}};
  });
  EXPECT_EQ(message, std::optional<term>(tuple(atoms::exit_, dead, atoms::noproc)));
  EXPECT_EQ(links, std::vector<term>{});
}

TEST(Link, LinkIsBidirectionalAndShowsInBothProcessInfos) {
  runtime rt;
  const auto [a_links, b_links, a_pid, b_pid, a_reason] = rt.run([] {
    const term me = self();
    const term b = spawn_gated([] { otp::exit(atom("b_failed")); });
    const term a = spawn([me, b] {
      otp::link(b);
      send(me, atom("linked"));
      receive();
    });
    const term ref_a = monitor(a);
    receive_exactly(atom("linked"));
    auto info_a = process_info(a);
    auto info_b = process_info(b);
    send(b, atom("go"));
    return std::tuple{info_a ? info_a->links : std::vector<term>{}, info_b ? info_b->links : std::vector<term>{}, a, b,
                      await_down_reason(ref_a)};
  });
  EXPECT_EQ(a_links, std::vector<term>{b_pid});
  EXPECT_EQ(b_links, std::vector<term>{a_pid});
  EXPECT_EQ(a_reason, term(atom("b_failed")));
}

TEST(Link, LinkingTwiceOrToItselfMakesOneLinkOrNone) {
  runtime rt;
  const auto [links, other] = rt.run([] {
    const term b = spawn_gated();
    otp::link(b);
    otp::link(b);
    otp::link(self());
    auto info = process_info(self());
    send(b, atom("go"));
    return std::pair{info ? info->links : std::vector<term>{}, b};
  });
  EXPECT_EQ(links, std::vector<term>{other});
}

// --- monitors --------------------------------------------------------------------------------

TEST(LinkMonitor, DownCarriesTheRefThePidAndTheReason) {
  runtime rt;
  const auto [down, ref, pid] = rt.run([] {
    const term p = spawn_gated([] { otp::exit(tuple(atom("boom"), 3)); });
    const term r = monitor(p);
    send(p, atom("go"));
    return std::tuple{await_down(r), r, p};
  });
  EXPECT_TRUE(ref.is_reference());
  EXPECT_EQ(down, tuple(atoms::down, ref, atoms::process, pid, tuple(atom("boom"), 3)));
}

TEST(LinkMonitor, DownOfAKilledProcessSaysKilled) {
  runtime rt;
  const term reason = rt.run([] {
    const term p = spawn_gated();
    const term r = monitor(p);
    otp::exit(p, atoms::kill);
    return await_down_reason(r);
  });
  EXPECT_EQ(reason, term(atoms::killed));
}

TEST(LinkMonitor, MonitoringADeadPidGivesAnImmediateNoprocDown) {
  runtime rt;
  const auto [down, ref, dead] = rt.run([] {
    const term d = dead_pid();
    const term r = monitor(d);
    return std::tuple{await_down(r), r, d};
  });
  EXPECT_EQ(down, tuple(atoms::down, ref, atoms::process, dead, atoms::noproc));
}

TEST(LinkMonitor, MonitorByRegisteredNameReportsNameAndNodeAsTheObject) {
  runtime rt;
  const atom name("lm_monitored_by_name");
  const auto [down, ref] = rt.run([&] {
    const term p = spawn_gated([] { otp::exit(atom("bye")); });
    register_name(name, p);
    const term r = monitor(name);
    send(p, atom("go"));
    return std::pair{await_down(r), r};
  });
  EXPECT_EQ(down, tuple(atoms::down, ref, atoms::process, tuple(name, atoms::nonode_nohost), atom("bye")));
}

TEST(LinkMonitor, MonitorByNameAndNodeReportsNameAndNodeAsTheObject) {
  runtime rt;
  const atom name("lm_monitored_by_name_node");
  const auto [down, ref] = rt.run([&] {
    const term p = spawn_gated();
    register_name(name, p);
    const term r = monitor(tuple(name, atoms::nonode_nohost));
    otp::exit(p, atoms::shutdown);
    return std::pair{await_down(r), r};
  });
  EXPECT_EQ(down, tuple(atoms::down, ref, atoms::process, tuple(name, atoms::nonode_nohost), atoms::shutdown));
}

TEST(LinkMonitor, MonitorOfAnUnregisteredNameGivesNoprocWithNameAndNode) {
  runtime rt;
  const atom name("lm_nobody_has_this_name");
  const auto [down, ref] = rt.run([&] {
    const term r = monitor(name);
    return std::pair{await_down(r), r};
  });
  EXPECT_EQ(down, tuple(atoms::down, ref, atoms::process, tuple(name, atoms::nonode_nohost), atoms::noproc));
}

TEST(LinkMonitor, AMonitorIsNotALink) {
  runtime rt;
  const auto [reason, watcher_alive] = rt.run([] {
    const term p = spawn_gated([] { throw std::runtime_error("monitored crash"); });
    const term r = monitor(p);
    send(p, atom("go"));
    return std::pair{await_down_reason(r), true};
  });
  EXPECT_TRUE(reason.is_tuple(3));
  EXPECT_TRUE(watcher_alive);
}

TEST(LinkMonitor, TwoMonitorsOnOneProcessGiveTwoDowns) {
  runtime rt;
  const auto [first, second, distinct] = rt.run([] {
    const term p = spawn_gated();
    const term r1 = monitor(p);
    const term r2 = monitor(p);
    send(p, atom("go"));
    return std::tuple{await_down_reason(r1), await_down_reason(r2), r1 != r2};
  });
  EXPECT_EQ(first, term(atoms::normal));
  EXPECT_EQ(second, term(atoms::normal));
  EXPECT_TRUE(distinct);
}

TEST(LinkMonitor, DemonitorStopsTheDown) {
  runtime rt;
  const auto [was_active, again, removed_down_arrived] = rt.run([] {
    const term p = spawn_gated();
    const term removed = monitor(p);
    const term kept = monitor(p);
    const bool active = demonitor(removed);
    const bool twice = demonitor(removed);
    send(p, atom("go"));
    await_down(kept);
    return std::tuple{active, twice, down_arrives_soon(removed)};
  });
  EXPECT_TRUE(was_active);
  EXPECT_FALSE(again);
  EXPECT_FALSE(removed_down_arrived);
}

TEST(LinkMonitor, DemonitorWithFlushRemovesADeliveredDownAndKeepsOtherMessages) {
  runtime rt;
  const auto [flushed_down_left, others] = rt.run([] {
    const term p = spawn_gated();
    const term flushed = monitor(p);
    const term kept = monitor(p);
    send(self(), atom("before"));
    send(p, atom("go"));
    await_down(kept);  // the other 'DOWN' was sent first, so it is in the mailbox by now
    send(self(), atom("after"));
    demonitor(flushed, true);
    const bool left = down_arrives_soon(flushed);
    std::vector<term> rest;
    while (auto m = receive_for(0ms)) rest.push_back(*m);
    return std::pair{left, rest};
  });
  EXPECT_FALSE(flushed_down_left);
  EXPECT_EQ(others, (std::vector<term>{atom("before"), atom("after")}));
}

TEST(LinkMonitor, DemonitorWithoutFlushLeavesADeliveredDown) {
  runtime rt;
  const auto [still_there, active] = rt.run([] {
    const term p = spawn_gated();
    const term first = monitor(p);
    const term second = monitor(p);
    send(p, atom("go"));
    await_down(second);
    const bool was_active = demonitor(first);
    return std::pair{receive([&](const term& m) { return is_down_of(m, first); }, 0ms).has_value(), was_active};
  });
  EXPECT_TRUE(still_there);
  EXPECT_FALSE(active);
}

TEST(LinkMonitor, SpawnMonitorReturnsPidAndRefAndTheDownCarriesTheReason) {
  runtime rt;
  const auto [pid_and_ref, down] = rt.run([] {
    const term pr = spawn_monitor([] {
      receive();
      otp::exit(atom("spawned_and_monitored"));
    });
    send(pr[0], atom("go"));
    return std::pair{pr, await_down(pr[1])};
  });
  ASSERT_TRUE(pid_and_ref.is_tuple(2));
  EXPECT_TRUE(pid_and_ref[0].is_pid());
  EXPECT_TRUE(pid_and_ref[1].is_reference());
  EXPECT_EQ(down, tuple(atoms::down, pid_and_ref[1], atoms::process, pid_and_ref[0], atom("spawned_and_monitored")));
}

// Signals from one process to another keep their order: what a process sent before dying is in
// the watcher's mailbox before its 'DOWN' (and before its 'EXIT').
TEST(LinkMonitor, MessagesSentBeforeDyingArriveBeforeTheDownAndTheExit) {
  runtime rt;
  const auto [before_down, before_exit] = rt.run([] {
    const term me = self();
    const term p = spawn_gated([me] {
      send(me, atom("last_words"));
      otp::exit(atom("gone"));
    });
    const term ref = monitor(p);
    send(p, atom("go"));
    await_down(ref);
    const bool first = receive_exactly(atom("last_words"), 0ms).has_value();
    trap_exit(true);
    const term q = spawn_link([me] {
      receive();
      send(me, atom("last_words_2"));
      otp::exit(atom("gone"));
    });
    send(q, atom("go"));
    receive([&](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms::exit_) && m[1] == q; },
            must_happen_within);
    const bool second = receive_exactly(atom("last_words_2"), 0ms).has_value();
    return std::pair{first, second};
  });
  EXPECT_TRUE(before_down);
  EXPECT_TRUE(before_exit);
}

// spawn_monitor is atomic in OTP: however soon the child dies, the 'DOWN' carries its real exit
// reason, never noproc. Children that end at once on other schedulers make the race visible.
TEST(LinkMonitor, SpawnMonitorSeesTheRealReasonOfAChildThatDiesAtOnce) {
  static constexpr int children = 3000;
  runtime rt(runtime_options{.schedulers = 4});
  const auto [wrong, example] = rt.run([] {
    std::vector<term> refs;
    refs.reserve(64);
    int bad = 0;
    term sample;
    for (int round = 0; round < children / 64; ++round) {
      refs.clear();
      for (int i = 0; i < 64; ++i) refs.push_back(spawn_monitor([] { otp::exit(atom("quick")); })[1]);
      for (const term& r : refs) {
        const term reason = await_down_reason(r);
        if (!reason.is_atom(atom("quick"))) {
          ++bad;
          sample = reason;
        }
      }
    }
    return std::pair{bad, sample};
  });
  EXPECT_EQ(wrong, 0) << "e.g. reason " << example.to_string();
}

// The same for spawn_link: the link exists before the child can run.
TEST(LinkMonitor, SpawnLinkSeesTheRealReasonOfAChildThatDiesAtOnce) {
  static constexpr int children = 3000;
  runtime rt(runtime_options{.schedulers = 4});
  const auto [wrong, example] = rt.run([] {
    trap_exit(true);
    int bad = 0;
    term sample;
    for (int i = 0; i < children; ++i) {
      const term child = spawn_link([] { otp::exit(atom("quick")); });
      auto m = receive([&](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::exit_) && x[1] == child; },
                       must_happen_within);
      if (!m || !(*m)[2].is_atom(atom("quick"))) {
        ++bad;
        sample = m ? (*m)[2] : term(atom("no_exit_message"));
      }
    }
    return std::pair{bad, sample};
  });
  EXPECT_EQ(wrong, 0) << "e.g. " << example.to_string();
}

// A process holding many monitors (past the short list, into the map): each demonitor ends exactly
// its own, and only the monitors still held give a 'DOWN'.
TEST(Monitor, ManyMonitorsAreEndedOneByOneAndTheRestFire) {
  runtime rt;
  rt.run([] {
    std::vector<term> pids, refs;
    for (int i = 0; i < 100; ++i) {
      pids.push_back(spawn_gated());
      refs.push_back(monitor(pids.back()));
    }
    for (int i = 0; i < 100; i += 2) EXPECT_TRUE(demonitor(refs[i])) << i;
    for (int i = 0; i < 100; i += 2) EXPECT_FALSE(demonitor(refs[i])) << "demonitored twice: " << i;
    for (const term& pid : pids) exit(pid, atoms::kill);
    for (int i = 1; i < 100; i += 2) EXPECT_EQ(await_down_reason(refs[i]), term(atoms::killed)) << i;
    auto stray =
        receive([](const term& m) { return m.is_tuple(5) && m[0].is_atom(atoms::down); }, must_not_happen_within);
    EXPECT_FALSE(stray) << "a 'DOWN' for an ended monitor: " << *stray;
  });
}

}  // namespace
}  // namespace otp
