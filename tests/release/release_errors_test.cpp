// The wording of a failed install: a step of the upgrade script that failed says the install was
// attempted and undone, and why; what the handler refused before trying keeps its own wording.
#include <gtest/gtest.h>

#include "otp/detail/release_errors.hpp"
#include "otp/term_text.hpp"

namespace {

using otp::atom;
using otp::parse_term;

TEST(ReleaseErrors, AFailedCodeChangeSaysTheInstallWasAttemptedAndUndoneAndWhy) {
  const otp::term reason =
      otp::tuple(atom("code_change_failed"), parse_term("<0.42.0>"), atom("kv_store"), otp::binary("1.0.0"),
                 parse_term("{badarg, <<\"kv_store refuses to migrate\">>}"));
  EXPECT_EQ(otp::release::explain_install_error(reason, atom("kv@127.0.0.1"), "1.1.0"),
            "the install of release 1.1.0 on node kv@127.0.0.1 was attempted and undone: code_change of module "
            "kv_store (process <0.42.0>, from version 1.0.0) failed: {badarg,<<\"kv_store refuses to migrate\">>}; "
            "every change it made was rolled back and the node still runs the release it ran before");
}

TEST(ReleaseErrors, ASuspendThatTimedOutIsAlsoAnAttemptUndone) {
  const otp::term reason = otp::tuple(atom("suspend_failed"), parse_term("<0.7.0>"), atom("kv_store"), atom("timeout"));
  EXPECT_EQ(otp::release::explain_install_error(reason, atom("kv@127.0.0.1"), "1.1.0"),
            "the install of release 1.1.0 on node kv@127.0.0.1 was attempted and undone: process <0.7.0> running "
            "kv_store could not be suspended: timeout; every change it made was rolled back and the node still runs "
            "the release it ran before");
}

TEST(ReleaseErrors, ARefusalBeforeTryingKeepsItsOwnWording) {
  EXPECT_EQ(otp::release::explain_install_error(otp::tuple(atom("unknown_release"), otp::binary("2.0.0")),
                                                atom("kv@127.0.0.1"), "2.0.0"),
            "no release 2.0.0 on node kv@127.0.0.1");
}

}  // namespace
