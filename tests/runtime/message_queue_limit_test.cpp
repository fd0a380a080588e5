// The message queue limit (runtime_options::max_message_queue_bytes), as Erlang's max_heap_size
// with kill: a process whose queue grows past it is killed with `killed` and an error report;
// a process that keeps up with its messages is never touched, whatever passes through it.
#include <gtest/gtest.h>

#include <string>

#include "otp/log.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term.hpp"
#include "process_waits.hpp"
#include "processes/process_control_block.hpp"

namespace otp {
namespace {

using namespace otp::test;

constexpr std::size_t limit = 1u << 20;
const term kibibyte = binary(std::string(1024, 'x'));

// A process that only ever waits for `stop`: everything else piles up in its queue.
term spawn_hoarder() {
  return spawn([] { receive([](const term& m) { return m.is_atom(atoms::stop); }, infinity); });
}

TEST(MessageQueueLimit, AProcessWhoseQueueGrowsPastTheLimitIsKilledWithAReport) {
  log::capture logs;
  runtime rt(runtime_options{.schedulers = 2, .max_message_queue_bytes = limit});
  rt.run([] {
    const term hoarder = spawn_hoarder();
    const term ref = monitor(hoarder);
    for (int i = 0; i < 2048 && is_process_alive(hoarder); ++i) send(hoarder, kibibyte);  // 2 MiB offered
    EXPECT_EQ(await_down_reason(ref), term(atoms::killed));
  });
  EXPECT_TRUE(logs.contains("maximum message queue size reached"));
  EXPECT_TRUE(logs.contains("max_message_queue_bytes: 1048576"));
}

TEST(MessageQueueLimit, AProcessUnderTheLimitKeepsItsMessages) {
  runtime rt(runtime_options{.schedulers = 2, .max_message_queue_bytes = limit});
  rt.run([] {
    const term hoarder = spawn_hoarder();
    const term ref = monitor(hoarder);
    for (int i = 0; i < 512; ++i) send(hoarder, kibibyte);  // half the limit and their slots
    send(hoarder, atoms::stop);
    EXPECT_EQ(await_down_reason(ref), term(atoms::normal));
  });
}

TEST(MessageQueueLimit, AProcessThatTakesItsMessagesIsNeverKilledWhateverPassesThroughIt) {
  runtime rt(runtime_options{.schedulers = 2, .max_message_queue_bytes = limit});
  rt.run([] {
    const term me = self();
    const term reader = spawn([me] {
      for (int i = 0; i < 4096; ++i) {
        receive();
        send(me, atoms::ok);  // taken: the sender waits for this before sending the next
      }
    });
    const term ref = monitor(reader);
    for (int i = 0; i < 4096; ++i) {  // 4 MiB through a 1 MiB limit
      send(reader, kibibyte);
      ASSERT_TRUE(receive_exactly(term(atoms::ok))) << "message " << i << " was not taken";
    }
    EXPECT_EQ(await_down_reason(ref), term(atoms::normal));
  });
}

TEST(MessageQueueLimit, ZeroMeansNoLimit) {
  runtime rt(runtime_options{.schedulers = 2, .max_message_queue_bytes = 0});
  rt.run([] {
    const term hoarder = spawn_hoarder();
    const term ref = monitor(hoarder);
    for (int i = 0; i < 4096; ++i) send(hoarder, kibibyte);
    send(hoarder, atoms::stop);
    EXPECT_EQ(await_down_reason(ref), term(atoms::normal));
  });
}

// How messages are counted: a message from another node at its size on the wire, a local one at
// its top-level object (its elements or bytes), each with its slot; taking one gives its size back.
TEST(MessageQueueAccounting, RemoteMessagesCountAtTheirWireSizeLocalOnesAtTheirTopLevel) {
  detail::message_queue queue;
  queue.push(term(1));
  const std::size_t slot = queue.bytes();
  EXPECT_GT(slot, 0u);
  queue.push(kibibyte);
  EXPECT_EQ(queue.bytes(), 2 * slot + 1024);
  queue.push(tuple(1, 2, 3));
  EXPECT_EQ(queue.bytes(), 3 * slot + 1024 + 3 * sizeof(term));
  queue.push(term(7), 5000);  // from another node, 5000 bytes on the wire
  EXPECT_EQ(queue.bytes(), 4 * slot + 1024 + 3 * sizeof(term) + 5000);
  EXPECT_EQ(queue.take(1), kibibyte);
  EXPECT_EQ(queue.bytes(), 3 * slot + 3 * sizeof(term) + 5000);
  while (!queue.empty()) queue.take(0);
  EXPECT_EQ(queue.bytes(), 0u);
}

}  // namespace
}  // namespace otp
