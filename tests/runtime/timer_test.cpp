// Timers (otp/process.hpp): erlang:send_after, start_timer and cancel_timer, and receive timeouts.
//   - a timer never fires early: the message arrives no sooner than its time (steady clock);
//   - start_timer sends {timeout, TimerRef, Msg};
//   - cancel_timer returns the time left, or nullopt once the timer fired (or for an unknown
//     ref), and a cancelled timer's message never arrives;
//   - a name destination is looked up when the timer fires.
#include <gtest/gtest.h>

#include <chrono>
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
using clock_type = std::chrono::steady_clock;
using namespace otp::test;

TEST(Timer, SendAfterDeliversTheMessageNotBeforeItsTime) {
  runtime rt;
  const auto [message, waited] = rt.run([] {
    const auto start = clock_type::now();
    send_after(120ms, self(), atom("ding"));
    auto m = receive_for(must_happen_within);
    return std::pair{m, clock_type::now() - start};
  });
  EXPECT_EQ(message, std::optional<term>(atom("ding")));
  EXPECT_GE(waited, 120ms);
}

TEST(Timer, SendAfterReturnsAReferenceAndDeliversOnlyTheMessage) {
  runtime rt;
  const auto [ref, message] = rt.run([] {
    const term r = send_after(10ms, self(), tuple(atom("payload"), 1));
    return std::pair{r, receive_for(must_happen_within)};
  });
  EXPECT_TRUE(ref.is_reference());
  EXPECT_EQ(message, std::optional<term>(tuple(atom("payload"), 1)));
}

TEST(Timer, SendAfterZeroDeliversPromptly) {
  runtime rt;
  const auto message = rt.run([] {
    send_after(0ms, self(), atom("now"));
    return receive_for(must_happen_within);
  });
  EXPECT_EQ(message, std::optional<term>(atom("now")));
}

TEST(Timer, StartTimerSendsTimeoutTupleWithTheTimerRef) {
  runtime rt;
  const auto [ref, message, waited] = rt.run([] {
    const auto start = clock_type::now();
    const term r = start_timer(60ms, self(), atom("tock"));
    auto m = receive_for(must_happen_within);
    return std::tuple{r, m, clock_type::now() - start};
  });
  EXPECT_TRUE(ref.is_reference());
  EXPECT_EQ(message, std::optional<term>(tuple(atoms::timeout, ref, atom("tock"))));
  EXPECT_GE(waited, 60ms);
}

TEST(Timer, TimersFireInDeadlineOrder) {
  runtime rt;
  const auto order = rt.run([] {
    send_after(90ms, self(), 3);
    send_after(10ms, self(), 1);
    send_after(50ms, self(), 2);
    std::vector<term> got;
    for (int i = 0; i < 3; ++i)
      if (auto m = receive_for(must_happen_within)) got.push_back(*m);
    return got;
  });
  EXPECT_EQ(order, (std::vector<term>{1, 2, 3}));
}

TEST(Timer, CancelTimerReturnsTheRemainingTimeAndTheMessageNeverArrives) {
  runtime rt;
  const auto [left, arrived] = rt.run([] {
    const term r = send_after(60ms, self(), atom("cancelled"));
    auto l = cancel_timer(r);
    return std::pair{l, receive_exactly(atom("cancelled"), 150ms).has_value()};  // well past its time
  });
  ASSERT_TRUE(left.has_value());
  EXPECT_GT(*left, 0ms);
  EXPECT_LE(*left, 60ms);
  EXPECT_FALSE(arrived);
}

TEST(Timer, CancelStartTimerStopsTheTimeoutMessage) {
  runtime rt;
  const auto [left, arrived] = rt.run([] {
    const term r = start_timer(50ms, self(), atom("never"));
    auto l = cancel_timer(r);
    auto m = receive([](const term& x) { return x.is_tuple(3) && x[0].is_atom(atoms::timeout); }, 120ms);
    return std::pair{l, m.has_value()};
  });
  EXPECT_TRUE(left.has_value());
  EXPECT_FALSE(arrived);
}

TEST(Timer, CancelTimerAfterItFiredReturnsNullopt) {
  runtime rt;
  const auto [message, left, left_again] = rt.run([] {
    const term r = send_after(5ms, self(), atom("fired"));
    auto m = receive_for(must_happen_within);
    auto l = cancel_timer(r);
    return std::tuple{m, l, cancel_timer(r)};
  });
  EXPECT_EQ(message, std::optional<term>(atom("fired")));
  EXPECT_EQ(left, std::nullopt);
  EXPECT_EQ(left_again, std::nullopt);
}

TEST(Timer, CancellingTwiceReturnsNulloptTheSecondTime) {
  runtime rt;
  const term r = send_after(10s, atom("timer_nobody_cares"), atom("x"));
  EXPECT_TRUE(cancel_timer(r).has_value());
  EXPECT_EQ(cancel_timer(r), std::nullopt);
}

TEST(Timer, CancelTimerOfAnUnknownRefReturnsNullopt) {
  runtime rt;
  EXPECT_EQ(cancel_timer(make_ref()), std::nullopt);
  EXPECT_EQ(rt.run([] { return cancel_timer(make_ref()); }), std::nullopt);
}

TEST(Timer, CancelTimerOfANonReferenceThrowsBadarg) {
  runtime rt;
  EXPECT_THROW(cancel_timer(term(42)), badarg);
}

TEST(Timer, NegativeTimeOrABadDestinationThrowsBadarg) {
  runtime rt;
  const term pid = rt.run([] { return self(); });
  EXPECT_THROW(send_after(milliseconds(-1), pid, atom("x")), badarg);
  EXPECT_THROW(start_timer(milliseconds(-1), pid, atom("x")), badarg);
  EXPECT_THROW(send_after(10ms, term(42), atom("x")), badarg);
  EXPECT_THROW(start_timer(10ms, binary("pid"), atom("x")), badarg);
}

TEST(Timer, SendAfterToARegisteredNameLooksTheNameUpWhenItFires) {
  runtime rt;
  const atom name("timer_late_registered");
  const auto [got, via_start_timer] = rt.run([&] {
    const term me = self();
    // The timer starts before anybody holds the name.
    send_after(80ms, name, atom("to_the_name"));
    const term named = spawn([me] {
      for (int i = 0; i < 2; ++i) send(me, tuple(atom("named_got"), receive()));
    });
    register_name(name, named);
    const term first = await_tagged(atom("named_got"));
    const term r = start_timer(10ms, name, atom("tick"));
    const term second = await_tagged(atom("named_got"));
    return std::pair{first, second == tuple(atoms::timeout, r, atom("tick"))};
  });
  EXPECT_EQ(got, term(atom("to_the_name")));
  EXPECT_TRUE(via_start_timer);
}

TEST(Timer, ATimerToANameNobodyHoldsIsDroppedAndTimersKeepWorking) {
  runtime rt;
  const auto message = rt.run([] {
    send_after(0ms, atom("timer_nobody_registered_this"), atom("lost"));
    send_after(20ms, self(), atom("still_works"));
    return receive_for(must_happen_within);
  });
  EXPECT_EQ(message, std::optional<term>(atom("still_works")));
}

TEST(Timer, ATimerToADeadProcessIsHarmless) {
  runtime rt;
  const auto message = rt.run([] {
    const term pid_and_ref = spawn_monitor([] {});
    send_after(5ms, pid_and_ref[0], atom("lost"));
    receive([&](const term& m) { return m.is_tuple(5) && m[1] == pid_and_ref[1]; }, must_happen_within);
    send_after(30ms, self(), atom("still_works"));
    return receive_for(must_happen_within);
  });
  EXPECT_EQ(message, std::optional<term>(atom("still_works")));
}

TEST(Timer, SendAfterFromAPlainThreadReachesTheProcess) {
  runtime rt;
  const auto [message, waited] = rt.run([] {
    const term me = self();
    const auto start = clock_type::now();
    std::thread([me] { send_after(50ms, me, atom("from_thread")); }).join();
    auto m = receive_for(must_happen_within);
    return std::pair{m, clock_type::now() - start};
  });
  EXPECT_EQ(message, std::optional<term>(atom("from_thread")));
  EXPECT_GE(waited, 50ms);
}

TEST(Timer, ManyTimersAllFire) {
  static constexpr int count = 2000;
  runtime rt;
  const int fired = rt.run([] {
    for (int i = 0; i < count; ++i) send_after(milliseconds(i % 50), self(), i);
    int n = 0;
    while (n < count && receive_for(must_happen_within)) ++n;
    return n;
  });
  EXPECT_EQ(fired, count);
}

// A receive timeout that was armed and then satisfied by a message must not cut a later receive short.
TEST(Timer, AnEarlierReceiveTimeoutDoesNotShortenALaterReceive) {
  runtime rt;
  const auto [first, second, waited] = rt.run([] {
    const term me = self();
    const term helper = spawn([me] {
      receive();
      send(me, atom("in_time"));
    });
    send(helper, atom("go"));
    auto f = receive_exactly(atom("in_time"), 300ms);  // satisfied well before its timeout
    const auto start = clock_type::now();
    auto s = receive([](const term&) { return false; }, 400ms);
    return std::tuple{f, s, clock_type::now() - start};
  });
  EXPECT_EQ(first, std::optional<term>(atom("in_time")));
  EXPECT_EQ(second, std::nullopt);
  EXPECT_GE(waited, 400ms);
}

TEST(Timer, ReceiveTimeoutIsNotResetByUnmatchedMessages) {
  runtime rt;
  const auto [result, waited] = rt.run([] {
    const term me = self();
    // A chatterbox keeps sending unmatched messages while we wait for something else.
    const term chatter = spawn([me] {
      for (;;) {
        send(me, atom("noise"));
        if (receive_for(5ms)) return;
      }
    });
    const auto start = clock_type::now();
    auto r = receive([](const term& m) { return m.is_integer(); }, 150ms);
    const auto elapsed = clock_type::now() - start;
    send(chatter, atoms::stop);
    return std::pair{r, elapsed};
  });
  EXPECT_EQ(result, std::nullopt);
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 150ms + must_happen_within);
}

}  // namespace
}  // namespace otp
