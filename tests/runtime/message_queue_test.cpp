// The message queue (runtime/src/processes/message_queue.hpp): messages in arrival order, a scan that resumes
// where it stopped, and taking from the front, the middle and the end keep that order.
#include "processes/message_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "otp/term.hpp"

namespace otp::detail {
namespace {

std::vector<std::int64_t> contents(message_queue& queue) {
  std::vector<std::int64_t> all;
  for (std::size_t i = 0; i < queue.size(); ++i) all.push_back(queue.at(i).as_int());
  return all;
}

TEST(MessageQueue, KeepsArrivalOrderThroughTakesAtTheFrontTheMiddleAndTheEnd) {
  message_queue queue;
  for (std::int64_t i = 0; i < 6; ++i) queue.push(term(i));
  EXPECT_EQ(queue.at(4), term(4));  // a scan stopped at 4
  EXPECT_EQ(queue.take(2), term(2));
  EXPECT_EQ(contents(queue), (std::vector<std::int64_t>{0, 1, 3, 4, 5}));
  EXPECT_EQ(queue.at(3), term(4));
  EXPECT_EQ(queue.take(0), term(0));  // the scan's position moves with the front
  EXPECT_EQ(queue.at(2), term(4));
  EXPECT_EQ(queue.take(3), term(5));  // the last one: later pushes go after 4
  queue.push(term(6));
  EXPECT_EQ(contents(queue), (std::vector<std::int64_t>{1, 3, 4, 6}));
  while (!queue.empty()) queue.take(0);
  queue.push(term(7));
  EXPECT_EQ(contents(queue), (std::vector<std::int64_t>{7}));
  EXPECT_EQ(queue.size(), 1u);
}

TEST(MessageQueue, AScanBackwardsAfterAForwardOneStillFindsEachMessage) {
  message_queue queue;
  for (std::int64_t i = 0; i < 4; ++i) queue.push(term(i));
  EXPECT_EQ(queue.at(3), term(3));
  EXPECT_EQ(queue.at(1), term(1));
  EXPECT_EQ(queue.at(2), term(2));
  EXPECT_EQ(queue.take(3), term(3));
  queue.push(term(4));
  EXPECT_EQ(contents(queue), (std::vector<std::int64_t>{0, 1, 2, 4}));
}

}  // namespace
}  // namespace otp::detail
