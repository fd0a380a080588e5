// Registered names given by the child spec (OTP's {local, Name}): the supervisor registers the
// started child, a taken name fails the start with {already_started, Pid}, a restarted child takes
// the name again.
#include <gtest/gtest.h>

#include "otp/supervisor.hpp"
#include "sup_test_support.hpp"

namespace sup_test {
namespace {

sup::child_spec named_worker(term id, atom name, term observer) {
  sup::child_spec spec = worker_spec(std::move(id), std::move(observer));
  spec.name = name;
  return spec;
}

TEST(ChildName, TheStartedChildIsRegisteredUnderItsSpecName) {
  in_sup_test([] {
    const term me = otp::self();
    const term sup_pid = pid_of(sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one), {named_worker("kv"_a, atom("kv_store"), me)}), term()));
    const term worker = await_started("kv"_a);
    EXPECT_EQ(otp::whereis(atom("kv_store")), worker);  // start_link returned: the name is registered
    EXPECT_EQ(gs::call(atom("kv_store"), "ping"_a), term("pong"_a));
    EXPECT_EQ(child_pid(sup_pid, "kv"_a), worker);
  });
}

TEST(ChildName, ATakenNameFailsTheStartWithAlreadyStarted) {
  in_sup_test([] {
    const term me = otp::self();
    const term holder = otp::spawn([] { otp::receive(); });
    otp::register_name(atom("taken_name"), holder);
    const term r = sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one), {named_worker("kv"_a, atom("taken_name"), me)}), term());
    // The supervisor's start fails with the child's reason, as OTP's {shutdown, {failed_to_start_child, Id, R}}.
    ASSERT_TRUE(r.is_tuple(2)) << r;
    EXPECT_EQ(r[1],
              tuple("shutdown"_a, tuple("failed_to_start_child"_a, "kv"_a, tuple(atoms::already_started, holder))));
    EXPECT_FALSE(started_again("kv"_a));  // the child never ran
    EXPECT_EQ(otp::whereis(atom("taken_name")), holder);
    kill_and_wait(holder);
  });
}

TEST(ChildName, StartChildWithATakenNameReturnsAlreadyStarted) {
  in_sup_test([] {
    const term me = otp::self();
    const term sup_pid = pid_of(sup::start_link(make_sup(flags_of(sup::strategy::one_for_one), {}), term()));
    const term first = pid_of(sup::start_child(sup_pid, named_worker("a"_a, atom("one_name"), me)));
    // OTP's start_child failure: {error, {Reason, ChildRecord}}.
    const term r = sup::start_child(sup_pid, named_worker("b"_a, atom("one_name"), me));
    ASSERT_TRUE(r.is_tuple(2) && r[1].is_tuple(2)) << r;
    EXPECT_EQ(r[1][0], tuple(atoms::already_started, first));
    EXPECT_EQ(otp::whereis(atom("one_name")), first);
  });
}

TEST(ChildName, ARestartedChildTakesTheNameAgain) {
  in_sup_test([] {
    const term me = otp::self();
    const term sup_pid = pid_of(sup::start_link(
        make_sup(flags_of(sup::strategy::one_for_one, 3), {named_worker("kv"_a, atom("kv_again"), me)}), term()));
    const term first = await_started("kv"_a);
    kill_and_wait(first);
    const term second = await_started("kv"_a);
    EXPECT_NE(second, first);
    // The supervisor registers the child once its start returned, before it answers this call.
    EXPECT_EQ(child_pid(sup_pid, "kv"_a), second);
    EXPECT_EQ(otp::whereis(atom("kv_again")), second);
  });
}

}  // namespace
}  // namespace sup_test
