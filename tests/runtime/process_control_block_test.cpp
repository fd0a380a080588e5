// The process control block (runtime/src/processes/process_control_block.hpp) on its own, outside
// the scheduler: how delivery moves its run state, how draining the inbox acts on each kind of
// signal, and the bookkeeping of monitors, aliases and a batch's call window.
#include "processes/process_control_block.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "otp/process.hpp"
#include "otp/runtime.hpp"
#include "otp/term.hpp"

namespace otp::detail {
namespace {

// A body that is never run: the tests drive the block by hand.
class idle_body final : public process_body {
 public:
  slice_end run(process_control_block&) override { return slice_end::wait; }
};

class ProcessControlBlock : public ::testing::Test {
 protected:
  ProcessControlBlock() : block_(std::make_unique<idle_body>()) { block_.set_pid(pid_parts{0, 4242, 0}); }

  // drain_inbox reads the runtime's limits: a runtime must be running.
  otp::runtime runtime_{otp::runtime_options{.schedulers = 1}};
  process_control_block block_;
  const term peer_ = term::make_pid(pid_parts{0, 4243, 0});
};

TEST_F(ProcessControlBlock, ASignalToAWaitingProcessQueuesItOnceAndOneToARunningProcessMarksItNotified) {
  block_.state().store(run_state::waiting);
  EXPECT_TRUE(block_.deliver(make_message_envelope(term(1))));  // the caller must schedule it
  EXPECT_EQ(block_.state().load(), run_state::queued);
  EXPECT_FALSE(block_.deliver(make_message_envelope(term(2))));  // queued already: nobody schedules it twice
  EXPECT_EQ(block_.state().load(), run_state::queued);

  block_.state().store(run_state::running);
  EXPECT_FALSE(block_.deliver(make_message_envelope(term(3))));
  EXPECT_EQ(block_.state().load(), run_state::notified);  // it looks at its inbox again before it waits
  block_.drain_inbox();
  ASSERT_EQ(block_.messages().size(), 3u);
  for (std::int64_t i = 0; i < 3; ++i) EXPECT_EQ(block_.messages().at(static_cast<std::size_t>(i)), term(i + 1));
}

TEST_F(ProcessControlBlock, ASignalThatNeedsNoActionDoesNotWakeAWaitingProcess) {
  block_.state().store(run_state::waiting);
  block_.deliver_without_waking(make_envelope(signal_kind::demonitor, peer_, term(), block_.new_ref()));
  EXPECT_EQ(block_.state().load(), run_state::waiting);
}

TEST_F(ProcessControlBlock, ADownSignalBecomesAMessageOnlyWhileItsMonitorIsActive) {
  const term active = block_.new_ref();
  const term removed = block_.new_ref();
  block_.add_monitor(active, peer_, false);
  block_.add_monitor(removed, peer_, false);
  EXPECT_EQ(block_.remove_monitor(removed), std::optional<term>(peer_));
  EXPECT_EQ(block_.remove_monitor(removed), std::nullopt);  // once only

  const term down_active = tuple(atom("DOWN"), active, atom("process"), peer_, atoms::normal);
  const term down_removed = tuple(atom("DOWN"), removed, atom("process"), peer_, atoms::normal);
  (void)block_.deliver(make_envelope(signal_kind::down, peer_, down_removed, removed));  // demonitored: dropped
  (void)block_.deliver(make_envelope(signal_kind::down, peer_, down_active, active));
  block_.drain_inbox();
  ASSERT_EQ(block_.messages().size(), 1u);
  EXPECT_EQ(block_.messages().at(0), down_active);
  EXPECT_EQ(block_.remove_monitor(active), std::nullopt);  // the DOWN ended it
}

TEST_F(ProcessControlBlock, AMessageToAnAliasArrivesOnlyWhileTheAliasIsActive) {
  const term alias = block_.new_ref();
  block_.add_monitor(alias, peer_, true);
  EXPECT_TRUE(block_.is_active_alias(alias));
  auto to_alias = [&](term payload) {
    envelope* e = make_envelope(signal_kind::alias_message, peer_, std::move(payload), alias);
    (void)block_.deliver(e);
  };
  to_alias(atom("first"));
  block_.drain_inbox();
  ASSERT_TRUE(block_.remove_monitor(alias).has_value());
  EXPECT_FALSE(block_.is_active_alias(alias));
  to_alias(atom("second"));
  block_.drain_inbox();
  ASSERT_EQ(block_.messages().size(), 1u);
  EXPECT_EQ(block_.messages().at(0), term(atom("first")));
}

TEST_F(ProcessControlBlock, AnExitSignalFromALinkIsAMessageWhenTrappingAndIgnoredOnceUnlinked) {
  EXPECT_FALSE(block_.set_trap_exit(true));
  (void)block_.deliver(make_envelope(signal_kind::link, peer_, term()));
  auto linked_exit = [&](term reason) {
    envelope* e = make_envelope(signal_kind::exit, peer_, std::move(reason));
    e->linked = true;
    (void)block_.deliver(e);
  };
  linked_exit(atom("boom"));
  block_.drain_inbox();
  ASSERT_EQ(block_.messages().size(), 1u);
  EXPECT_EQ(block_.messages().at(0), tuple(atoms::exit_, peer_, atom("boom")));

  // The link went with the first exit: a second exit signal over it has no link to act on.
  linked_exit(atom("again"));
  block_.drain_inbox();
  EXPECT_EQ(block_.messages().size(), 1u);
}

TEST_F(ProcessControlBlock, AnExitSignalFromALinkEndsAProcessThatDoesNotTrapExits) {
  (void)block_.deliver(make_envelope(signal_kind::link, peer_, term()));
  envelope* e = make_envelope(signal_kind::exit, peer_, atom("boom"));
  e->linked = true;
  (void)block_.deliver(e);
  try {
    block_.drain_inbox();
    FAIL() << "the exit signal did not end the process";
  } catch (const forced_exit& ended) {
    EXPECT_EQ(ended.reason, term(atom("boom")));
  }
}

TEST_F(ProcessControlBlock, KillEndsEvenAProcessThatTrapsExits) {
  block_.set_trap_exit(true);
  (void)block_.deliver(make_envelope(signal_kind::exit, peer_, atoms::kill));
  try {
    block_.drain_inbox();
    FAIL() << "kill did not end the process";
  } catch (const forced_exit& ended) {
    EXPECT_EQ(ended.reason, term(atoms::killed));
  }
}

TEST_F(ProcessControlBlock, ABatchsCallWindowHandsOutDistinctRefsWhoseMonitorsEndOneByOne) {
  const term before = block_.new_ref();
  block_.open_call_window(3);
  const term targets[3] = {term::make_pid(pid_parts{0, 1, 0}), term::make_pid(pid_parts{0, 2, 0}),
                           term::make_pid(pid_parts{0, 3, 0})};
  term refs[3];
  for (std::size_t i = 0; i < 3; ++i) refs[i] = block_.add_window_monitor(i, targets[i]);
  EXPECT_NE(refs[0], refs[1]);
  EXPECT_NE(refs[1], refs[2]);
  EXPECT_NE(refs[0], before);
  EXPECT_NE(block_.new_ref(), refs[2]);  // the window's refs are reserved

  EXPECT_EQ(block_.remove_monitor(refs[1]), std::optional<term>(targets[1]));
  EXPECT_EQ(block_.remove_monitor(refs[1]), std::nullopt);
  EXPECT_EQ(block_.remove_monitor(refs[0]), std::optional<term>(targets[0]));
  block_.close_call_window();
  EXPECT_EQ(block_.remove_monitor(refs[2]), std::nullopt);  // the window is gone with its monitors
}

TEST_F(ProcessControlBlock, AReceiveTimeoutSignalRecordsWhichTimerFired) {
  envelope* e = make_envelope(signal_kind::receive_timeout, term(), term());
  e->sequence = 7;
  (void)block_.deliver(e);
  block_.drain_inbox();
  EXPECT_TRUE(block_.receive_timer_fired(7));
  EXPECT_FALSE(block_.receive_timer_fired(8));
  EXPECT_TRUE(block_.messages().empty());
}

TEST_F(ProcessControlBlock, ARegisteredNameIsUndefinedUntilSet) {
  EXPECT_FALSE(block_.has_registered_name());
  block_.set_registered_name(atom("pcb_test"));
  EXPECT_EQ(block_.registered_name(), atom("pcb_test"));
  EXPECT_GT(block_.memory(), sizeof(process_control_block) - 1);
}

}  // namespace
}  // namespace otp::detail
