// What the observer reads of the runtime (otp/runtime.hpp's statistics, otp/process.hpp's
// processes and process_info's messages_received): messages counted per scheduler thread as they
// are sent and received, every live process listed, and a process's own count of what it received.
//
// Every test owns its runtime; waits are on replies, bounded by a receive timeout.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term.hpp"

namespace otp {
namespace {

constexpr milliseconds reply_within{10000};

TEST(RuntimeStatistics, MessagesAreCountedAsTheyAreSentAndReceived) {
  runtime rt(runtime_options{.schedulers = 2});
  const runtime_statistics before = rt.statistics();
  ASSERT_EQ(before.schedulers.size(), 2u);
  constexpr int n = 1000;
  const auto [received_by_sink, after] = rt.run([&] {
    const term me = self();
    // The sink takes n messages, then answers how many its process_info says it received.
    const term sink = spawn([me] {
      for (int i = 0; i < n; ++i) receive();
      send(me, tuple(atom("done"), static_cast<std::int64_t>(process_info(self())->messages_received)));
    });
    for (int i = 0; i < n; ++i) send(sink, term(std::int64_t{i}));
    const auto done = receive([](const term& m) { return m.is_tuple(2) && m[0].is_atom(atom("done")); }, reply_within);
    if (!done) throw std::runtime_error("the sink did not answer");
    return std::pair{(*done)[1].as_int(), runtime::current().statistics()};
  });
  EXPECT_EQ(received_by_sink, n);
  // The n messages and the answer, at least (the runtime's own processes may send more).
  EXPECT_GE(after.messages_sent - before.messages_sent, std::uint64_t{n + 1});
  EXPECT_GE(after.messages_received - before.messages_received, std::uint64_t{n + 1});
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  for (const scheduler_statistics& t : after.schedulers) {
    sent += t.messages_sent;
    received += t.messages_received;
  }
  EXPECT_EQ(received, after.messages_received);  // only scheduler threads receive
  EXPECT_LE(sent, after.messages_sent);          // plus sends from other threads
}

TEST(RuntimeStatistics, ASendFromOutsideAProcessIsCountedToo) {
  runtime rt(runtime_options{.schedulers = 1});
  const term sink = rt.run([] { return spawn([] { receive(); }); });
  const std::uint64_t before = rt.statistics().messages_sent;
  send(sink, atom("hello"));  // from this test's thread, no scheduler's
  EXPECT_EQ(rt.statistics().messages_sent, before + 1);
}

TEST(RuntimeStatistics, ProcessesListsEveryLiveProcess) {
  runtime rt(runtime_options{.schedulers = 1});
  rt.run([] {
    const term a = spawn([] { receive(); });
    const term b = spawn([] { receive(); });
    const std::vector<term> all = processes();
    EXPECT_NE(std::find(all.begin(), all.end(), a), all.end());
    EXPECT_NE(std::find(all.begin(), all.end(), b), all.end());
    EXPECT_NE(std::find(all.begin(), all.end(), self()), all.end());
    EXPECT_EQ(all.size(), runtime::current().statistics().processes);
    send(a, atom("stop"));
    send(b, atom("stop"));
  });
}

}  // namespace
}  // namespace otp
