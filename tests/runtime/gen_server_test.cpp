// gen_server: start/init, call/cast/reply, the loop's actions, terminate rules, stop and crash reports
// as Erlang's. Every wait has an upper bound; "must not happen" checks watch for 100-400 ms at most.
#include "otp/gen_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/sys.hpp"
#include "otp/term_text.hpp"
#include "test_servers.hpp"

namespace otp_test {
namespace {

using otp::binary;
using otp::list;
using otp::nil;
using otp::tuple;

term call_location(const term& server, const term& request) {
  return tuple(atoms::gen_server, atoms::call, list(server, request));
}
term call_location(const term& server, const term& request, std::int64_t timeout) {
  return tuple(atoms::gen_server, atoms::call, list(server, request, timeout));
}
term runtime_error_reason(std::string_view what) {
  return tuple(atoms::exception, binary("std::runtime_error"), binary(what));
}

// Polls (no wait) for {terminated, Reason, State} sent by report_terminate_to.
std::optional<term> terminated_already() { return await_tagged(atom("terminated"), milliseconds(0)); }

// ------------------------------------------------------------------------------------------------
// start / start_link and init
// ------------------------------------------------------------------------------------------------

TEST(GenServerStart, StartReturnsOkWithThePidOfARunningServer) {
  otp::runtime rt;
  const term started = gs::start(make_server(), "initial_state"_a);
  ASSERT_TRUE(started.is_tuple(2)) << started;
  EXPECT_EQ(started[0], term(atoms::ok));
  ASSERT_TRUE(started[1].is_pid()) << started;
  EXPECT_TRUE(otp::is_process_alive(started[1]));
  EXPECT_EQ(gs::call(started[1], "get"_a), term("initial_state"_a));
}

TEST(GenServerStart, NamedServerIsRegisteredAndReachableByName) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), 7, {.name = "gs_named_server"_a}));
  EXPECT_EQ(otp::whereis("gs_named_server"_a), pid);
  EXPECT_EQ(gs::call("gs_named_server"_a, "get"_a), term(7));
  EXPECT_EQ(gs::call(tuple("gs_named_server"_a, atoms::nonode_nohost), "get"_a), term(7));
}

TEST(GenServerStart, InitStopGivesErrorAndExitsWithTheReasonAfterFreeingTheName) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_init = [observer](const term&) {
      watch_me(observer);
      otp::send(observer, tuple("init_pid"_a, otp::self()));
      return gs::init_result::stop(tuple("refused"_a, 1));
    };
    EXPECT_EQ(gs::start(server, nil(), {.name = "gs_init_stop"_a}), tuple(atoms::error, tuple("refused"_a, 1)));
    EXPECT_EQ(otp::whereis("gs_init_stop"_a), term(atoms::undefined)) << "the name must be free when start returns";
    auto init_pid = await_tagged("init_pid"_a);
    ASSERT_TRUE(init_pid);
    EXPECT_EQ(await_watched_down((*init_pid)[1]), tuple("refused"_a, 1));
  });
}

TEST(GenServerStart, InitIgnoreGivesIgnoreAndExitsNormallyAfterFreeingTheName) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_init = [observer](const term&) {
      watch_me(observer);
      otp::send(observer, tuple("init_pid"_a, otp::self()));
      return gs::init_result::ignore();
    };
    EXPECT_EQ(gs::start(server, nil(), {.name = "gs_init_ignore"_a}), term(atoms::ignore));
    EXPECT_EQ(otp::whereis("gs_init_ignore"_a), term(atoms::undefined));
    auto init_pid = await_tagged("init_pid"_a);
    ASSERT_TRUE(init_pid);
    EXPECT_EQ(await_watched_down((*init_pid)[1]), term(atoms::normal));
  });
}

TEST(GenServerStart, InitThrowingGivesErrorWithTheExceptionAsReason) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_init = [observer](const term&) -> gs::init_result {
      watch_me(observer);
      otp::send(observer, tuple("init_pid"_a, otp::self()));
      throw std::runtime_error("init exploded");
    };
    EXPECT_EQ(gs::start(server, nil()), tuple(atoms::error, runtime_error_reason("init exploded")));
    auto init_pid = await_tagged("init_pid"_a);
    ASSERT_TRUE(init_pid);
    EXPECT_EQ(await_watched_down((*init_pid)[1]), runtime_error_reason("init exploded"));
  });
}

TEST(GenServerStart, InitExitingGivesErrorWithTheExitReason) {
  otp::runtime rt;
  auto server = make_server();
  server->on_init = [](const term&) -> gs::init_result { otp::exit(tuple("init_gave_up"_a, 3)); };
  EXPECT_EQ(gs::start(server, nil()), tuple(atoms::error, tuple("init_gave_up"_a, 3)));
}

// An exception whose destruction waits (at most 5 s) until the test opens its gate: a server whose
// init threw it cannot finish dying before then, so the test sees exactly what start() left behind.
class held_exception : public std::runtime_error {
 public:
  struct gate {
    std::mutex mutex;
    std::condition_variable changed;
    bool is_open = false;
    bool stalled = false;  // the wait ran out: start() only returned once the server had died
    std::atomic_flag waited;

    void open() {
      std::lock_guard lock(mutex);
      is_open = true;
      changed.notify_all();
    }
    void wait() {
      std::unique_lock lock(mutex);
      stalled = !changed.wait_for(lock, std::chrono::seconds(5), [this] { return is_open; });
    }
    bool has_stalled() {
      std::lock_guard lock(mutex);
      return stalled;
    }
  };
  explicit held_exception(std::shared_ptr<gate> g) : std::runtime_error("held"), gate_(std::move(g)) {}
  held_exception(const held_exception&) = default;
  held_exception& operator=(const held_exception&) = default;
  ~held_exception() override {
    if (!gate_ || gate_->waited.test_and_set()) return;
    // This blocks a scheduler thread, and the caller of start() was just queued behind us on it. A second
    // queued process makes the scheduler wake an idle thread, which then takes the caller over. A copy
    // destroyed first while the runtime stops (the test is over) has nobody to hold.
    try {
      otp::spawn([] {});
    } catch (const std::runtime_error&) {
      return;
    }
    gate_->wait();
  }

 private:
  std::shared_ptr<gate> gate_;
};

TEST(GenServerStart, InitThrowingFreesTheNameBeforeStartReturns) {
  otp::runtime rt(otp::runtime_options{.schedulers = 2});
  auto gate = std::make_shared<held_exception::gate>();
  struct open_at_exit {
    std::shared_ptr<held_exception::gate> g;
    ~open_at_exit() { g->open(); }
  } opener{gate};
  auto server = make_server();
  server->on_init = [gate](const term&) -> gs::init_result { throw held_exception(gate); };
  const term started = gs::start(server, nil(), {.name = "gs_init_throws_named"_a});
  ASSERT_TRUE(started.is_tuple(2)) << started;
  EXPECT_EQ(started[0], term(atoms::error));
  const term holder = otp::whereis("gs_init_throws_named"_a);
  if (gate->has_stalled()) GTEST_SKIP() << "the caller of start() could not run while the server was held";
  // gen_server unregisters the name before it acknowledges the failure (init_it: unregister_name, then init_ack).
  EXPECT_EQ(holder, term(atoms::undefined));
}

TEST(GenServerStart, TakenNameGivesAlreadyStartedWithTheHolderAndSkipsInit) {
  otp::runtime rt;
  auto inits = std::make_shared<std::atomic<int>>(0);
  auto server = make_server();
  server->on_init = [inits](const term& args) {
    inits->fetch_add(1);
    return gs::init_result::ok(args);
  };
  const term first = pid_of(gs::start(server, 1, {.name = "gs_taken_name"_a}));
  EXPECT_EQ(gs::start(server, 2, {.name = "gs_taken_name"_a}),
            tuple(atoms::error, tuple(atoms::already_started, first)));
  EXPECT_EQ(inits->load(), 1);
  EXPECT_EQ(otp::whereis("gs_taken_name"_a), first);
  EXPECT_EQ(gs::call("gs_taken_name"_a, "get"_a), term(1));
}

TEST(GenServerStart, InitOutlastingTheStartTimeoutGivesErrorTimeoutAndTheServerIsKilled) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_init = [observer](const term& args) {
      watch_me(observer);
      otp::send(observer, tuple("init_pid"_a, otp::self()));
      otp::receive([](const term&) { return false; }, otp::infinity);  // an init that never finishes
      return gs::init_result::ok(args);
    };
    const auto before = now_ms();
    EXPECT_EQ(gs::start(server, nil(), {.name = "gs_slow_init"_a, .timeout = 300ms}),
              tuple(atoms::error, atoms::timeout));
    EXPECT_GE(now_ms() - before, 299);
    // The server entered its init (it started well within the timeout) and was killed in it.
    auto init_pid = await_tagged("init_pid"_a);
    ASSERT_TRUE(init_pid) << "the server never ran its init within 300 ms";
    EXPECT_EQ(await_watched_down((*init_pid)[1]), term(atoms::killed));
    EXPECT_EQ(otp::whereis("gs_slow_init"_a), term(atoms::undefined));
  });
}

TEST(GenServerStart, StartLinkFromATrappingCallerGivesErrorAndAnExitMessageWhenInitStops) {
  otp::runtime rt;
  rt.run([] {
    otp::trap_exit(true);
    auto server = make_server();
    server->on_init = [](const term&) { return gs::init_result::stop("init_said_no"_a); };
    EXPECT_EQ(gs::start_link(server, nil()), tuple(atoms::error, "init_said_no"_a));
    auto exit_message = await([](const term& m) { return m.is_tuple(3) && m[0].is_atom(atoms::exit_); });
    ASSERT_TRUE(exit_message) << "no {'EXIT', Pid, Reason} after the failed start_link";
    EXPECT_TRUE((*exit_message)[1].is_pid()) << *exit_message;
    EXPECT_EQ((*exit_message)[2], term("init_said_no"_a));
  });
}

TEST(GenServerStart, StartLinkLinksTheCallerAndTheServer) {
  otp::runtime rt;
  EXPECT_THROW(gs::start_link(make_server(), nil()), otp::not_in_process);
  rt.run([] {
    const term pid = pid_of(gs::start_link(make_server(), nil()));
    const auto mine = otp::process_info(otp::self());
    const auto its = otp::process_info(pid);
    ASSERT_TRUE(mine && its);
    EXPECT_NE(std::find(mine->links.begin(), mine->links.end(), pid), mine->links.end());
    EXPECT_NE(std::find(its->links.begin(), its->links.end(), otp::self()), its->links.end());
  });
}

TEST(GenServerInit, TimeoutActionFromInitDeliversTimeoutWhenNoMessageArrives) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_init = [](const term&) { return gs::init_result::ok(now_ms(), gs::action::timeout(60ms)); };
    server->on_info = [observer](const term& info, const term& state) {
      if (info.is_atom(atoms::timeout)) otp::send(observer, tuple("timed_out"_a, now_ms() - state.as_int()));
      return gs::result::noreply(state);
    };
    pid_of(gs::start(server, nil()));
    auto timed_out = await_tagged("timed_out"_a);
    ASSERT_TRUE(timed_out) << "handle_info(timeout) never ran";
    EXPECT_GE((*timed_out)[1].as_int(), 59);
  });
}

TEST(GenServerInit, ContinueActionFromInitRunsBeforeAMessageAlreadyQueued) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_init = [](const term&) {
      otp::send(otp::self(), "queued_during_init"_a);
      return gs::init_result::ok(nil(), gs::action::continue_with("warm_up"_a));
    };
    server->on_continue = [observer](const term& c, const term& state) {
      otp::send(observer, tuple("event"_a, "continue"_a, c));
      return gs::result::noreply(state);
    };
    server->on_info = [observer](const term& info, const term& state) {
      otp::send(observer, tuple("event"_a, "info"_a, info));
      return gs::result::noreply(state);
    };
    pid_of(gs::start(server, nil()));
    auto first = await_tagged("event"_a);
    auto second = await_tagged("event"_a);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, tuple("event"_a, "continue"_a, "warm_up"_a));
    EXPECT_EQ(*second, tuple("event"_a, "info"_a, "queued_during_init"_a));
  });
}

// ------------------------------------------------------------------------------------------------
// call
// ------------------------------------------------------------------------------------------------

TEST(GenServerCall, ReplyFromHandleCallIsReturnedForEveryTimeoutForm) {
  otp::runtime rt;
  auto server = make_server();
  server->on_call = [](const term& request, const term&, const term& state) {
    return gs::result::reply(tuple("answer"_a, request, state), state);
  };
  const term pid = pid_of(gs::start(server, 5));
  EXPECT_EQ(gs::call(pid, "q1"_a), tuple("answer"_a, "q1"_a, 5));
  EXPECT_EQ(gs::call(pid, "q2"_a, 1000ms), tuple("answer"_a, "q2"_a, 5));
  EXPECT_EQ(gs::call(pid, "q3"_a, otp::infinity), tuple("answer"_a, "q3"_a, 5));
  rt.run([&] { EXPECT_EQ(gs::call(pid, "q4"_a, otp::infinity), tuple("answer"_a, "q4"_a, 5)); });
}

TEST(GenServerCall, HandleCallSeesFromAsTheCallerPidAndATag) {
  otp::runtime rt;
  auto server = make_server();
  server->on_call = [](const term&, const term& from, const term& state) { return gs::result::reply(from, state); };
  const term pid = pid_of(gs::start(server, nil()));
  rt.run([&] {
    const term from = gs::call(pid, "who"_a);
    ASSERT_TRUE(from.is_tuple(2)) << from;
    EXPECT_EQ(from[0], otp::self());
  });
}

TEST(GenServerCall, DefaultTimeoutIs5000AndOutlastsASlowReply) {
  EXPECT_EQ(gs::default_call_timeout, milliseconds(5000));
  otp::runtime rt;
  auto server = make_server();
  server->on_call = [](const term&, const term& from, const term& state) {
    otp::send_after(300ms, otp::self(), tuple("reply_now"_a, from));
    return gs::result::noreply(state);
  };
  server->on_info = [](const term& info, const term& state) {
    gs::reply(info[1], "slow_but_fine"_a);
    return gs::result::noreply(state);
  };
  const term pid = pid_of(gs::start(server, nil()));
  EXPECT_EQ(gs::call(pid, "slow"_a), term("slow_but_fine"_a));
}

TEST(GenServerCall, TimeoutExitsWithTimeoutAndTheCall3Arguments) {
  otp::runtime rt;
  auto server = make_server();
  server->on_call = [](const term&, const term&, const term& state) { return gs::result::noreply(state); };
  const term pid = pid_of(gs::start(server, nil(), {.name = "gs_never_answers"_a}));
  rt.run([&] {
    const auto before = now_ms();
    EXPECT_EQ(caught_exit([&] { gs::call(pid, "never_answered"_a, 50ms); }),
              tuple(atoms::timeout, call_location(pid, "never_answered"_a, 50)));
    EXPECT_GE(now_ms() - before, 49);
    EXPECT_EQ(caught_exit([&] { gs::call("gs_never_answers"_a, "by_name"_a, 20ms); }),
              tuple(atoms::timeout, call_location("gs_never_answers"_a, "by_name"_a, 20)));
  });
  EXPECT_TRUE(otp::is_process_alive(pid));
}

TEST(GenServerCall, ReplyArrivingAfterTheTimeoutIsNotDelivered) {
  otp::runtime rt;
  auto server = make_server();
  server->on_call = [](const term&, const term& from, const term& state) {
    otp::send_after(150ms, otp::self(), tuple("reply_now"_a, from));
    return gs::result::noreply(state);
  };
  server->on_info = [](const term& info, const term& state) {
    const term from = info[1];
    gs::reply(from, "too_late"_a);
    otp::send(from[0], "reply_was_sent"_a);  // same sender, so it queues behind the reply if that was delivered
    return gs::result::noreply(state);
  };
  const term pid = pid_of(gs::start(server, nil()));
  rt.run([&] {
    EXPECT_EQ(caught_exit([&] { gs::call(pid, "slow"_a, 30ms); }),
              tuple(atoms::timeout, call_location(pid, "slow"_a, 30)));
    ASSERT_TRUE(await_exactly("reply_was_sent"_a)) << "the server never replied";
    auto stray = otp::receive_for(must_not_happen_within);
    EXPECT_FALSE(stray) << "a reply after the timeout reached the caller: " << *stray;
  });
}

TEST(GenServerCall, CallToAnUnregisteredNameExitsWithNoproc) {
  otp::runtime rt;
  EXPECT_EQ(caught_exit([] { gs::call("gs_nobody"_a, "hello"_a); }),
            tuple(atoms::noproc, call_location("gs_nobody"_a, "hello"_a)));
  EXPECT_EQ(caught_exit([] { gs::call("gs_nobody"_a, "hello"_a, 100ms); }),
            tuple(atoms::noproc, call_location("gs_nobody"_a, "hello"_a, 100)));
  EXPECT_EQ(
      caught_exit([] { gs::call("gs_nobody"_a, "hello"_a, otp::infinity); }),
      tuple(atoms::noproc, tuple(atoms::gen_server, atoms::call, list("gs_nobody"_a, "hello"_a, atoms::infinity))));
}

TEST(GenServerCall, CallToANameOnAnotherNodeWhileNotDistributedExitsWithNodedown) {
  otp::runtime rt;
  const term server = tuple("gs_remote"_a, "elsewhere@nohost"_a);
  EXPECT_EQ(caught_exit([&] { gs::call(server, "hello"_a); }),
            tuple(tuple(atoms::nodedown, "elsewhere@nohost"_a), call_location(server, "hello"_a)));
}

TEST(GenServerCall, CallToADeadPidExitsWithNoproc) {
  otp::runtime rt;
  rt.run([] {
    const term dead = otp::spawn([] {});
    await_down(otp::monitor(dead));
    ASSERT_FALSE(otp::is_process_alive(dead));
    EXPECT_EQ(caught_exit([&] { gs::call(dead, "hello"_a); }), tuple(atoms::noproc, call_location(dead, "hello"_a)));
    EXPECT_EQ(caught_exit([&] { gs::call(dead, "hello"_a, 100ms); }),
              tuple(atoms::noproc, call_location(dead, "hello"_a, 100)));
  });
}

TEST(GenServerCall, ServerDyingDuringTheCallExitsWithItsReason) {
  otp::runtime rt;
  otp::log::capture quiet;  // the crash reports are expected
  auto stopping = make_server();
  stopping->on_call = [](const term&, const term&, const term& state) {
    return gs::result::stop("died_mid_call"_a, state);
  };
  auto throwing = make_server();
  throwing->on_call = [](const term&, const term&, const term&) -> gs::result {
    throw std::runtime_error("handler blew up");
  };
  const term first = pid_of(gs::start(stopping, nil()));
  const term second = pid_of(gs::start(throwing, nil()));
  rt.run([&] {
    EXPECT_EQ(caught_exit([&] { gs::call(first, "die"_a); }), tuple("died_mid_call"_a, call_location(first, "die"_a)));
    EXPECT_EQ(caught_exit([&] { gs::call(second, "boom"_a, 1000ms); }),
              tuple(runtime_error_reason("handler blew up"), call_location(second, "boom"_a, 1000)));
  });
}

TEST(GenServerCall, ServerCallingItselfExitsWithCallingSelf) {
  otp::runtime rt;
  auto server = make_server();
  server->on_call = [](const term&, const term&, const term& state) {
    const term by_pid = caught_exit([] { gs::call(otp::self(), "inner"_a); });
    const term by_name = caught_exit([] { gs::call("gs_self_caller"_a, "inner"_a, 100ms); });
    return gs::result::reply(list(by_pid, by_name), state);
  };
  const term pid = pid_of(gs::start(server, nil(), {.name = "gs_self_caller"_a}));
  EXPECT_EQ(gs::call(pid, "call_yourself"_a),
            list(tuple(atoms::calling_self, call_location(pid, "inner"_a)),
                 tuple(atoms::calling_self, call_location("gs_self_caller"_a, "inner"_a, 100))));
  EXPECT_TRUE(otp::is_process_alive(pid));
}

TEST(GenServerCall, InfiniteCallSendsGenCallWithAPlainRefTagAndTakesAHandMadeReply) {
  otp::runtime rt;
  rt.run([] {
    const term me = otp::self();
    spawn_raw_server("gs_raw_plain"_a, me);
    EXPECT_EQ(gs::call("gs_raw_plain"_a, "ping"_a, otp::infinity), tuple("raw_reply"_a, "ping"_a));
    auto got = await_tagged("raw_got"_a);
    ASSERT_TRUE(got);
    const term message = (*got)[1];
    ASSERT_TRUE(message.is_tuple(3)) << message;
    EXPECT_EQ(message[0], term(atoms::gen_call));
    ASSERT_TRUE(message[1].is_tuple(2)) << message;
    EXPECT_EQ(message[1][0], me);
    EXPECT_TRUE(message[1][1].is_reference()) << "an infinite local call tags with the plain monitor ref: " << message;
    EXPECT_EQ(message[2], term("ping"_a));
  });
}

TEST(GenServerCall, CallWithATimeoutSendsAnAliasTagAndTakesAHandMadeReply) {
  otp::runtime rt;
  rt.run([] {
    const term me = otp::self();
    spawn_raw_server("gs_raw_alias"_a, me);
    EXPECT_EQ(gs::call("gs_raw_alias"_a, "ping"_a, 1000ms), tuple("raw_reply"_a, "ping"_a));
    EXPECT_EQ(gs::call("gs_raw_alias"_a, "pong"_a), tuple("raw_reply"_a, "pong"_a));
    for (const char* request : {"ping", "pong"}) {
      auto got = await_tagged("raw_got"_a);
      ASSERT_TRUE(got);
      const term message = (*got)[1];
      ASSERT_TRUE(message.is_tuple(3) && message[1].is_tuple(2)) << message;
      EXPECT_EQ(message[0], term(atoms::gen_call));
      EXPECT_EQ(message[1][0], me);
      const term& tag = message[1][1];
      ASSERT_EQ(tag.kind(), otp::term_kind::list) << "expected [alias|Ref], got " << tag;
      EXPECT_EQ(tag.size(), 1u) << tag;
      EXPECT_EQ(tag.head(), term(atoms::alias)) << tag;
      EXPECT_TRUE(tag.list_tail().is_reference()) << tag;
      EXPECT_EQ(message[2], term(atom(request)));
    }
  });
}

TEST(GenServerCall, NoreplyThenReplyFromALaterCallbackAnswersTheCaller) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_call = [observer](const term&, const term& from, const term&) {
      otp::send(observer, "got_call"_a);
      return gs::result::noreply(from);  // keep From as the state
    };
    server->on_cast = [](const term&, const term& pending_from) {
      gs::reply(pending_from, 42);
      return gs::result::noreply(nil());
    };
    const term pid = pid_of(gs::start(server, nil()));
    otp::spawn([observer, pid] { otp::send(observer, tuple("client_got"_a, gs::call(pid, "wait_for_it"_a))); });
    ASSERT_TRUE(await_exactly("got_call"_a));
    EXPECT_FALSE(await_tagged("client_got"_a, must_not_happen_within)) << "answered before gen_server:reply";
    gs::cast(pid, "release"_a);
    auto got = await_tagged("client_got"_a);
    ASSERT_TRUE(got) << "the deferred reply never reached the caller";
    EXPECT_EQ((*got)[1], term(42));
  });
}

// ------------------------------------------------------------------------------------------------
// cast and handle_info
// ------------------------------------------------------------------------------------------------

TEST(GenServerCast, CastSendsAGenCastTupleAndNeverFails) {
  otp::runtime rt;
  rt.run([] {
    spawn_raw_server("gs_raw_cast"_a, otp::self());
    gs::cast("gs_raw_cast"_a, tuple("hello"_a, 1));
    auto got = await_tagged("raw_got"_a);
    ASSERT_TRUE(got);
    EXPECT_EQ((*got)[1], tuple(atoms::gen_cast, tuple("hello"_a, 1)));

    const term dead = otp::spawn([] {});
    await_down(otp::monitor(dead));
    EXPECT_NO_THROW(gs::cast(dead, "x"_a));
    EXPECT_NO_THROW(gs::cast("gs_nobody_casts"_a, "x"_a));
    EXPECT_NO_THROW(gs::cast(tuple("gs_nobody_casts"_a, "elsewhere@nohost"_a), "x"_a));
  });
  EXPECT_NO_THROW(gs::cast("gs_nobody_casts"_a, "from_a_thread"_a));
}

TEST(GenServerCast, CastsAreHandledInOrderByHandleCast) {
  otp::runtime rt;
  auto server = make_server();
  server->on_cast = [](const term& request, const term& state) {
    return gs::result::noreply(appended(state, request));
  };
  const term pid = pid_of(gs::start(server, nil()));
  for (int i = 0; i < 20; ++i) gs::cast(pid, i);
  EXPECT_EQ(gs::call(pid, "get"_a).size(), 20u);
  EXPECT_EQ(gs::call(pid, "get"_a)[19], term(19));
  EXPECT_EQ(gs::call(pid, "get"_a)[0], term(0));
}

TEST(GenServerInfo, PlainMessagesGoToHandleInfo) {
  otp::runtime rt;
  auto server = make_server();
  server->on_info = [](const term& info, const term& state) { return gs::result::noreply(appended(state, info)); };
  const term pid = pid_of(gs::start(server, nil()));
  otp::send(pid, "hello"_a);
  otp::send(pid, tuple("weird"_a, 1));
  otp::send(pid, tuple(atoms::gen_cast));  // not a cast: wrong arity
  EXPECT_EQ(gs::call(pid, "get"_a), list("hello"_a, tuple("weird"_a, 1), tuple(atoms::gen_cast)));
}

TEST(GenServerInfo, ExitFromANonParentGoesToHandleInfoWhenTrapping) {
  otp::runtime rt;
  rt.run([] {
    const term me = otp::self();
    auto server = make_server();
    server->on_init = [](const term& args) {
      otp::trap_exit(true);
      return gs::init_result::ok(args);
    };
    server->on_info = [](const term& info, const term& state) { return gs::result::noreply(appended(state, info)); };
    server->on_terminate = report_terminate_to(me);
    const term server_pid = pid_of(gs::start(server, nil()));
    otp::exit(server_pid, "bye"_a);
    EXPECT_EQ(gs::call(server_pid, "get"_a), list(tuple(atoms::exit_, me, "bye"_a)));
    const term helper = otp::spawn([server_pid] {
      otp::link(server_pid);
      otp::exit("helper_died"_a);
    });
    await_down(otp::monitor(helper));
    EXPECT_EQ(gs::call(server_pid, "get"_a),
              list(tuple(atoms::exit_, me, "bye"_a), tuple(atoms::exit_, helper, "helper_died"_a)));
    EXPECT_TRUE(otp::is_process_alive(server_pid));
    EXPECT_FALSE(terminated_already());
  });
}

// ------------------------------------------------------------------------------------------------
// Loop actions: timeout, hibernate, continue
// ------------------------------------------------------------------------------------------------

std::shared_ptr<scripted_server> timeout_server(const term& observer, milliseconds time) {
  auto server = make_server();
  server->on_cast = [time](const term&, const term& state) {
    return gs::result::noreply(state, gs::action::timeout(time));
  };
  server->on_call = [time](const term&, const term&, const term& state) {
    return gs::result::reply("armed"_a, state, gs::action::timeout(time));
  };
  server->on_info = [observer](const term& info, const term& state) {
    otp::send(observer, info.is_atom(atoms::timeout) ? term("timed_out"_a) : tuple("info"_a, info));
    return gs::result::noreply(state);
  };
  return server;
}

TEST(GenServerLoop, TimeoutActionCallsHandleInfoTimeoutOnceWhenIdle) {
  otp::runtime rt;
  rt.run([] {
    const term pid = pid_of(gs::start(timeout_server(otp::self(), 50ms), nil()));
    auto armed_at = now_ms();
    gs::cast(pid, "arm"_a);
    EXPECT_TRUE(await_exactly("timed_out"_a)) << "no timeout after {noreply, S, 50}";
    EXPECT_GE(now_ms() - armed_at, 49) << "the timeout came early";
    armed_at = now_ms();
    EXPECT_EQ(gs::call(pid, "arm"_a), term("armed"_a));
    EXPECT_TRUE(await_exactly("timed_out"_a)) << "no timeout after {reply, R, S, 50}";
    EXPECT_GE(now_ms() - armed_at, 49) << "the timeout came early";
    EXPECT_FALSE(await_exactly("timed_out"_a, 150ms)) << "the timeout fired again without being re-armed";
  });
}

TEST(GenServerLoop, AnyMessageBeforeTheTimeoutCancelsIt) {
  otp::runtime rt;
  rt.run([] {
    const term pid = pid_of(gs::start(timeout_server(otp::self(), 200ms), nil()));
    for (int attempt = 0; attempt < 3; ++attempt) {
      gs::cast(pid, "arm"_a);
      otp::send(pid, "poke"_a);
      auto first = await([](const term& m) { return m == term("timed_out"_a) || m.is_tuple(2); });
      ASSERT_TRUE(first);
      if (*first == term("timed_out"_a)) continue;  // the machine stalled past 200 ms: the timeout was due; retry
      EXPECT_EQ(*first, tuple("info"_a, "poke"_a));
      EXPECT_FALSE(await_exactly("timed_out"_a, 400ms)) << "the message did not cancel the timeout";
      return;
    }
    FAIL() << "the poke never arrived within 200 ms of the cast";
  });
}

TEST(GenServerLoop, ZeroTimeoutGivesWayToAMessageAlreadyQueued) {
  otp::runtime rt;
  rt.run([] {
    auto server = timeout_server(otp::self(), 0ms);
    server->on_cast = [](const term&, const term& state) {
      otp::send(otp::self(), "already_queued"_a);
      return gs::result::noreply(state, gs::action::timeout(0ms));
    };
    const term pid = pid_of(gs::start(server, nil()));
    gs::cast(pid, "arm"_a);
    auto first = await([](const term& m) { return m == term("timed_out"_a) || m.is_tuple(2); });
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, tuple("info"_a, "already_queued"_a)) << "timeout 0 must not overtake a queued message";
    EXPECT_FALSE(await_exactly("timed_out"_a, must_not_happen_within));
    EXPECT_EQ(gs::call(pid, "arm"_a), term("armed"_a));  // {reply, armed, S, 0} with nothing queued
    EXPECT_TRUE(await_exactly("timed_out"_a)) << "timeout 0 with an empty mailbox must fire at once";
  });
}

TEST(GenServerLoop, HibernateActionKeepsTheServerWorkingWithItsState) {
  otp::runtime rt;
  auto server = make_server();
  server->on_init = [](const term&) { return gs::init_result::ok(0, gs::action::hibernate()); };
  server->on_cast = [](const term&, const term& state) {
    return gs::result::noreply(state.as_int() + 1, gs::action::hibernate());
  };
  const term pid = pid_of(gs::start(server, nil()));
  EXPECT_EQ(gs::call(pid, "get"_a), term(0));
  for (int i = 0; i < 3; ++i) gs::cast(pid, "inc"_a);
  EXPECT_EQ(gs::call(pid, "get"_a), term(3));
  EXPECT_EQ(otp::sys::get_state(pid), term(3));
  gs::cast(pid, "inc"_a);
  EXPECT_EQ(gs::call(pid, "get"_a, 1000ms), term(4));
}

TEST(GenServerLoop, ContinueActionRunsBeforeTheNextQueuedMessage) {
  otp::runtime rt;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_cast = [](const term&, const term& state) {
      otp::send(otp::self(), "queued_info"_a);
      return gs::result::noreply(state, gs::action::continue_with("step1"_a));
    };
    server->on_call = [](const term&, const term&, const term& state) {
      return gs::result::reply("ok_then_continue"_a, state, gs::action::continue_with("step3"_a));
    };
    server->on_continue = [observer](const term& c, const term& state) {
      otp::send(observer, tuple("event"_a, c));
      return c == term("step1"_a) ? gs::result::noreply(state, gs::action::continue_with("step2"_a))
                                  : gs::result::noreply(state);
    };
    server->on_info = [observer](const term& info, const term& state) {
      otp::send(observer, tuple("event"_a, info));
      return gs::result::noreply(state);
    };
    const term pid = pid_of(gs::start(server, nil()));
    gs::cast(pid, "go"_a);
    std::vector<term> events;
    for (int i = 0; i < 3; ++i) {
      auto e = await_tagged("event"_a);
      ASSERT_TRUE(e) << "missing event " << i;
      events.push_back((*e)[1]);
    }
    EXPECT_EQ(term::make_list(events), list("step1"_a, "step2"_a, "queued_info"_a));
    EXPECT_EQ(gs::call(pid, "x"_a), term("ok_then_continue"_a));
    auto e = await_tagged("event"_a);
    ASSERT_TRUE(e);
    EXPECT_EQ((*e)[1], term("step3"_a));
  });
}

// ------------------------------------------------------------------------------------------------
// stop results, callback failures and terminate
// ------------------------------------------------------------------------------------------------

TEST(GenServerTerminate, StopResultCallsTerminateThenExitsWithTheReason) {
  otp::runtime rt;
  otp::log::capture quiet;
  rt.run([] {
    auto server = make_server();
    server->on_cast = [](const term&, const term&) {
      return gs::result::stop(tuple("stopped_by_cast"_a, 1), "final_state"_a);
    };
    server->on_terminate = report_terminate_to(otp::self());
    const term pid = pid_of(gs::start(server, "first_state"_a));
    const term ref = otp::monitor(pid);
    gs::cast(pid, "stop_now"_a);
    EXPECT_EQ(await_down(ref), tuple("stopped_by_cast"_a, 1));
    auto terminated = terminated_already();  // sent before the exit, so queued before the DOWN
    ASSERT_TRUE(terminated) << "terminate did not run";
    EXPECT_EQ(*terminated, tuple("terminated"_a, tuple("stopped_by_cast"_a, 1), "final_state"_a));
  });
}

TEST(GenServerTerminate, StopWithReplyRunsTerminateBeforeTheCallerGetsTheReply) {
  otp::runtime rt;
  rt.run([] {
    auto terminate_ran = std::make_shared<std::atomic<bool>>(false);
    auto server = make_server();
    server->on_call = [](const term&, const term&, const term& state) {
      return gs::result::stop(atoms::normal, "goodbye"_a, state);
    };
    const term observer = otp::self();
    server->on_terminate = [observer, terminate_ran](const term& reason, const term& state) {
      terminate_ran->store(true);
      otp::send(observer, tuple("terminated"_a, reason, state));
    };
    const term pid = pid_of(gs::start(server, "s"_a));
    const term ref = otp::monitor(pid);
    EXPECT_EQ(gs::call(pid, "stop_and_reply"_a), term("goodbye"_a));
    EXPECT_TRUE(terminate_ran->load()) << "the reply came before terminate ran";
    auto terminated = terminated_already();
    ASSERT_TRUE(terminated) << "the reply overtook terminate's message";
    EXPECT_EQ(*terminated, tuple("terminated"_a, atoms::normal, "s"_a));
    EXPECT_EQ(await_down(ref), term(atoms::normal));
  });
}

TEST(GenServerTerminate, ExceptionInACallbackCallsTerminateWithItsReasonThenExits) {
  otp::runtime rt;
  otp::log::capture quiet;
  rt.run([] {
    const term observer = otp::self();
    auto throwing = make_server();
    throwing->on_cast = [](const term&, const term&) -> gs::result { throw std::runtime_error("cast blew up"); };
    throwing->on_terminate = report_terminate_to(observer);
    auto exiting = make_server();
    exiting->on_info = [](const term&, const term&) -> gs::result { otp::exit(tuple("chose_to_exit"_a, 2)); };
    exiting->on_terminate = report_terminate_to(observer);

    const term first = pid_of(gs::start(throwing, "s1"_a));
    const term first_ref = otp::monitor(first);
    gs::cast(first, "go"_a);
    EXPECT_EQ(await_down(first_ref), runtime_error_reason("cast blew up"));
    auto terminated = terminated_already();
    ASSERT_TRUE(terminated);
    EXPECT_EQ(*terminated, tuple("terminated"_a, runtime_error_reason("cast blew up"), "s1"_a));

    const term second = pid_of(gs::start(exiting, "s2"_a));
    const term second_ref = otp::monitor(second);
    otp::send(second, "go"_a);
    EXPECT_EQ(await_down(second_ref), tuple("chose_to_exit"_a, 2));
    terminated = terminated_already();
    ASSERT_TRUE(terminated);
    EXPECT_EQ(*terminated, tuple("terminated"_a, tuple("chose_to_exit"_a, 2), "s2"_a));
  });
}

TEST(GenServerTerminate, ReplyResultOutsideHandleCallIsABadReturnValue) {
  otp::runtime rt;
  otp::log::capture quiet;
  rt.run([] {
    const term observer = otp::self();
    auto server = make_server();
    server->on_cast = [](const term&, const term& state) { return gs::result::reply("oops"_a, state); };
    server->on_info = [](const term&, const term& state) { return gs::result::stop(atoms::normal, "oops"_a, state); };
    server->on_terminate = report_terminate_to(observer);

    const term first = pid_of(gs::start(server, "s"_a));
    const term first_ref = otp::monitor(first);
    gs::cast(first, "reply_please"_a);
    const term bad_reply = tuple(atoms::bad_return_value, tuple("reply"_a, "oops"_a, "s"_a));
    EXPECT_EQ(await_down(first_ref), bad_reply);
    auto terminated = terminated_already();
    ASSERT_TRUE(terminated);
    EXPECT_EQ(*terminated, tuple("terminated"_a, bad_reply, "s"_a));

    const term second = pid_of(gs::start(server, "s"_a));
    const term second_ref = otp::monitor(second);
    otp::send(second, "info"_a);
    EXPECT_EQ(await_down(second_ref),
              tuple(atoms::bad_return_value, tuple(atoms::stop, atoms::normal, "oops"_a, "s"_a)));
  });
}

TEST(GenServerTerminate, StopWithReplyStillRepliesWhenTerminateFails) {
  otp::runtime rt;
  otp::log::capture quiet;
  rt.run([] {
    auto server = make_server();
    server->on_call = [](const term&, const term&, const term& state) {
      return gs::result::stop(atoms::normal, "still_answered"_a, state);
    };
    server->on_terminate = [](const term&, const term&) { otp::exit("terminate_failed"_a); };
    const term pid = pid_of(gs::start(server, nil()));
    const term ref = otp::monitor(pid);
    EXPECT_EQ(caught_exit([&] { EXPECT_EQ(gs::call(pid, "stop"_a), term("still_answered"_a)); }),
              term(atom("no_exit_exception")));
    EXPECT_EQ(await_down(ref), term("terminate_failed"_a));
  });
}

TEST(GenServerTerminate, KillNeverRunsTerminateEvenWhenTrapping) {
  otp::runtime rt;
  rt.run([] {
    auto server = make_server();
    server->on_init = [](const term& args) {
      otp::trap_exit(true);
      return gs::init_result::ok(args);
    };
    server->on_terminate = report_terminate_to(otp::self());
    const term pid = pid_of(gs::start(server, nil()));
    const term ref = otp::monitor(pid);
    otp::exit(pid, atoms::kill);
    EXPECT_EQ(await_down(ref), term(atoms::killed));
    EXPECT_FALSE(terminated_already());
  });
}

TEST(GenServerTerminate, ExceptionInTerminateBecomesTheExitReason) {
  otp::runtime rt;
  otp::log::capture quiet;
  rt.run([] {
    auto server = make_server();
    server->on_cast = [](const term&, const term& state) { return gs::result::stop(atoms::normal, state); };
    server->on_terminate = [](const term&, const term&) { otp::exit("terminate_failed"_a); };
    const term pid = pid_of(gs::start(server, nil()));
    const term ref = otp::monitor(pid);
    gs::cast(pid, "stop"_a);
    EXPECT_EQ(await_down(ref), term("terminate_failed"_a));
  });
}

// ------------------------------------------------------------------------------------------------
// The parent's EXIT
// ------------------------------------------------------------------------------------------------

std::shared_ptr<scripted_server> trapping_server(const term& observer) {
  auto server = make_server();
  server->on_init = [](const term&) {
    otp::trap_exit(true);
    return gs::init_result::ok("trapping_state"_a);
  };
  server->on_terminate = report_terminate_to(observer);
  return server;
}

TEST(GenServerParent, TrappingServerRunsTerminateWhenItsParentExits) {
  otp::runtime rt;
  rt.run([] {
    for (const term& parent_reason : {term(atoms::shutdown), term(atoms::normal), tuple("parent_crashed"_a, 1)}) {
      const term started = start_under_parent(trapping_server(otp::self()), parent_reason);
      const term parent = started[0];
      const term pid = pid_of(started[1]);
      const term ref = otp::monitor(pid);
      otp::send(parent, "die"_a);
      EXPECT_EQ(await_down(ref), parent_reason);
      auto terminated = terminated_already();
      ASSERT_TRUE(terminated) << "terminate did not run for parent exit " << parent_reason;
      EXPECT_EQ(*terminated, tuple("terminated"_a, parent_reason, "trapping_state"_a));
    }
  });
}

TEST(GenServerParent, NonTrappingServerDiesWithItsParentWithoutTerminate) {
  otp::runtime rt;
  rt.run([] {
    auto server = make_server();
    server->on_terminate = report_terminate_to(otp::self());
    const term started = start_under_parent(server, atoms::shutdown);
    const term pid = pid_of(started[1]);
    const term ref = otp::monitor(pid);
    otp::send(started[0], "die"_a);
    EXPECT_EQ(await_down(ref), term(atoms::shutdown));
    EXPECT_FALSE(terminated_already()) << "terminate ran although the server does not trap exits";

    // A parent that exits normally does not take a non-trapping child with it.
    const term started2 = start_under_parent(server, atoms::normal);
    const term pid2 = pid_of(started2[1]);
    const term parent_ref = otp::monitor(started2[0]);
    otp::send(started2[0], "die"_a);
    EXPECT_EQ(await_down(parent_ref), term(atoms::normal));
    EXPECT_EQ(gs::call(pid2, "get"_a), term());
  });
}

// ------------------------------------------------------------------------------------------------
// gen_server:stop
// ------------------------------------------------------------------------------------------------

TEST(GenServerStopFunction, StopRunsTerminateEvenWithoutTrappingAndReturns) {
  otp::runtime rt;
  rt.run([] {
    auto server = make_server();
    server->on_terminate = report_terminate_to(otp::self());
    const term pid = pid_of(gs::start(server, "st"_a));
    const term ref = otp::monitor(pid);
    EXPECT_NO_THROW(gs::stop(pid));
    auto terminated = terminated_already();
    ASSERT_TRUE(terminated) << "stop returned before terminate ran, or terminate did not run";
    EXPECT_EQ(*terminated, tuple("terminated"_a, atoms::normal, "st"_a));
    EXPECT_EQ(await_down(ref), term(atoms::normal));
  });
  const term pid = pid_of(gs::start(make_server(), nil()));
  EXPECT_NO_THROW(gs::stop(pid));  // from a plain thread
  EXPECT_FALSE(otp::is_process_alive(pid));
}

TEST(GenServerStopFunction, StopWithAReasonExitsWithThatReason) {
  otp::runtime rt;
  rt.run([] {
    auto server = make_server();
    server->on_terminate = report_terminate_to(otp::self());
    const term pid = pid_of(gs::start(server, "st"_a, {.name = "gs_stop_with_reason"_a}));
    const term ref = otp::monitor(pid);
    EXPECT_NO_THROW(gs::stop("gs_stop_with_reason"_a, tuple(atoms::shutdown, "done"_a)));
    auto terminated = terminated_already();
    ASSERT_TRUE(terminated);
    EXPECT_EQ(*terminated, tuple("terminated"_a, tuple(atoms::shutdown, "done"_a), "st"_a));
    EXPECT_EQ(await_down(ref), tuple(atoms::shutdown, "done"_a));
  });
}

TEST(GenServerStopFunction, StopOfADeadPidThrowsNoproc) {
  otp::runtime rt;
  rt.run([] {
    const term pid = pid_of(gs::start(make_server(), nil()));
    gs::stop(pid);
    EXPECT_EQ(caught_exit([&] { gs::stop(pid); }), term(atoms::noproc));
  });
}

TEST(GenServerStopFunction, StopOfAnUnregisteredNameThrowsNoproc) {
  otp::runtime rt;
  rt.run([] { EXPECT_EQ(caught_exit([] { gs::stop("gs_never_registered"_a); }), term(atoms::noproc)); });
}

TEST(GenServerStopFunction, StopExitsWithTheActualReasonWhenTerminateChangesIt) {
  otp::runtime rt;
  otp::log::capture quiet;
  auto server = make_server();
  server->on_terminate = [](const term&, const term&) { otp::exit("terminate_said_otherwise"_a); };
  const term pid = pid_of(gs::start(server, nil()));
  EXPECT_EQ(caught_exit([&] { gs::stop(pid); }), term("terminate_said_otherwise"_a));
}

TEST(GenServerStopFunction, StopGivesUpWithTimeoutWhenTerminateTakesTooLong) {
  otp::runtime rt;
  auto server = make_server();
  server->on_terminate = [](const term&, const term&) {
    otp::receive([](const term&) { return false; }, otp::infinity);
  };
  const term pid = pid_of(gs::start(server, nil()));
  EXPECT_EQ(caught_exit([&] { gs::stop(pid, atoms::normal, 50ms); }), term(atoms::timeout));
  EXPECT_TRUE(otp::is_process_alive(pid));
  otp::exit(pid, atoms::kill);
}

// ------------------------------------------------------------------------------------------------
// Crash reports
// ------------------------------------------------------------------------------------------------

class log_level_guard {
 public:
  explicit log_level_guard(otp::log::level l) : saved_(otp::log::get_level()) { otp::log::set_level(l); }
  ~log_level_guard() { otp::log::set_level(saved_); }
  log_level_guard(const log_level_guard&) = delete;
  log_level_guard& operator=(const log_level_guard&) = delete;

 private:
  otp::log::level saved_;
};

// Starts a server, makes it stop with `reason` from handle_cast and waits until it is gone.
void crash_with(const term& reason) {
  auto server = make_server();
  server->on_cast = [reason](const term&, const term& state) { return gs::result::stop(reason, state); };
  const term pid = pid_of(gs::start(server, "crash_state"_a));
  const term ref = otp::monitor(pid);
  gs::cast(pid, "stop"_a);
  EXPECT_EQ(await_down(ref), reason);
}

TEST(GenServerReports, AbnormalExitLogsAnErrorReportNamingTheReason) {
  otp::runtime rt;
  log_level_guard level(otp::log::level::warning);
  otp::log::capture captured;
  rt.run([] { crash_with(tuple("unusual_reason_4711"_a, 1)); });
  const auto records = captured.records();
  const auto report = std::find_if(records.begin(), records.end(), [](const otp::log::record& r) {
    return r.text.find("unusual_reason_4711") != std::string::npos;
  });
  ASSERT_NE(report, records.end()) << "no report mentions the exit reason";
  EXPECT_EQ(report->severity, otp::log::level::error);
  EXPECT_NE(report->text.find("{gen_server,terminate}"), std::string::npos) << report->text;
}

TEST(GenServerReports, ExceptionInACallbackLogsAnErrorReport) {
  otp::runtime rt;
  log_level_guard level(otp::log::level::warning);
  otp::log::capture captured;
  rt.run([] {
    auto server = make_server();
    server->on_cast = [](const term&, const term&) -> gs::result { throw std::runtime_error("reported_failure_99"); };
    const term pid = pid_of(gs::start(server, nil()));
    const term ref = otp::monitor(pid);
    gs::cast(pid, "go"_a);
    await_down(ref);
  });
  EXPECT_TRUE(captured.contains("reported_failure_99"));
}

TEST(GenServerReports, NormalAndShutdownExitsLogNoErrorReport) {
  otp::runtime rt;
  log_level_guard level(otp::log::level::warning);
  otp::log::capture captured;
  rt.run([] {
    crash_with(atoms::normal);
    crash_with(atoms::shutdown);
    crash_with(tuple(atoms::shutdown, "quietly"_a));
    gs::stop(pid_of(gs::start(make_server(), nil())));
  });
  for (const auto& r : captured.records())
    EXPECT_LT(r.severity, otp::log::level::error) << "unexpected report for a quiet exit: " << r.text;
}

// ------------------------------------------------------------------------------------------------
// Calls inside handlers and the scheduler threads
// ------------------------------------------------------------------------------------------------

TEST(GenServerConcurrency, NestedCallsInsideHandlersDoNotHoldSchedulerThreads) {
  otp::runtime rt(otp::runtime_options{.schedulers = 2});
  auto inner = make_server();
  inner->on_call = [](const term& request, const term&, const term& state) {
    return gs::result::reply(request.as_int() + 1, state);
  };
  const term b = pid_of(gs::start(inner, nil()));
  auto outer = make_server();
  outer->on_call = [b](const term& request, const term&, const term& state) {
    const term from_b = gs::call(b, request, otp::infinity);  // a call while handling a call
    return gs::result::reply(from_b.as_int() * 2, state);
  };
  const term a = pid_of(gs::start(outer, nil()));

  rt.run([a] {
    constexpr int clients = 1000;
    const term collector = otp::self();
    std::vector<term> pids;
    for (int i = 0; i < clients; ++i)
      pids.push_back(otp::spawn([a, collector, i] {
        otp::send(collector, "calling"_a);
        const term answer =
            caught_exit([&] { otp::send(collector, tuple("answer"_a, i, gs::call(a, i, otp::infinity))); });
        if (!answer.is_atom(atom("no_exit_exception"))) otp::send(collector, tuple("failed"_a, i, answer));
      }));
    // The calls wait without a deadline; the test's deadline runs between two steps of progress (a
    // client starting its call, or an answer), so the births of a thousand fibers (~5 ms each under
    // ThreadSanitizer, far more on a loaded machine) never count against it, and a call left
    // stranded still fails the test.
    int answered = 0;
    while (answered < clients) {
      auto m = otp::receive_for(10s);
      if (!m) {
        for (const term& pid : pids) otp::exit(pid, "kill"_a);
        FAIL() << "no progress for 10 s: " << answered << " of " << clients << " calls answered";
      }
      if (m->is_atom(atom("calling"))) continue;
      ASSERT_TRUE(m->is_tuple(3) && (*m)[0].is_atom(atom("answer"))) << *m;
      EXPECT_EQ((*m)[2], term(((*m)[1].as_int() + 1) * 2));
      ++answered;
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Bad input
// ------------------------------------------------------------------------------------------------

TEST(GenServerBadInput, NegativeTimeoutsThrowBadargAndTheServerCarriesOn) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), "alive"_a));
  EXPECT_THROW(gs::call(pid, "get"_a, milliseconds(-1)), otp::badarg);
  rt.run([&] { EXPECT_THROW(gs::call(pid, "get"_a, milliseconds(-5)), otp::badarg); });
  EXPECT_THROW(gs::start(make_server(), nil(), {.name = std::nullopt, .timeout = milliseconds(-1)}), otp::badarg);
  EXPECT_EQ(gs::call(pid, "get"_a), term("alive"_a));
}

TEST(GenServerBadInput, UnexpectedMessagesWithoutHandleInfoAreDroppedWithAWarning) {
  otp::runtime rt;
  log_level_guard level(otp::log::level::warning);
  otp::log::capture captured;
  const term pid = pid_of(gs::start(make_server(), "alive"_a));
  otp::send(pid, "junk"_a);
  otp::send(pid, tuple(atoms::gen_call, "no_from"_a));
  otp::send(pid, tuple(atoms::system, "no_from"_a));
  otp::send(pid, tuple(atoms::exit_, "not_a_pid"_a, "r"_a));
  EXPECT_EQ(gs::call(pid, "get"_a), term("alive"_a));
  EXPECT_TRUE(otp::is_process_alive(pid));
  EXPECT_TRUE(captured.contains("no_handle_info"));
}

TEST(GenServerBadInput, FailedCallsLeaveTheNodeWorking) {
  otp::runtime rt;
  const term pid = pid_of(gs::start(make_server(), "alive"_a));
  rt.run([] {
    const term dead = otp::spawn([] {});
    await_down(otp::monitor(dead));
    EXPECT_EQ(caught_exit([&] { gs::call(dead, "x"_a, 50ms); }), tuple(atoms::noproc, call_location(dead, "x"_a, 50)));
  });
  EXPECT_EQ(gs::call(pid, "get"_a), term("alive"_a));
  EXPECT_EQ(rt.run([] { return otp::self().is_pid(); }), true);
}

}  // namespace
}  // namespace otp_test
