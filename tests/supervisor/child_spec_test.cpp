// Child specs, flags and the restart counter as pure values: OTP's defaults and validation errors,
// check_childspecs. No processes needed.
#include "otp/child_spec.hpp"

#include <gtest/gtest.h>

#include "otp/restart_intensity.hpp"
#include "otp/supervisor.hpp"
#include "otp/term_text.hpp"

namespace {

using otp::parse_term;
using otp::term;
namespace sup = otp::supervisor;

term spec_error_of(const term& spec, sup::auto_shutdown mode = sup::auto_shutdown::never) {
  try {
    sup::child_spec::from_term(spec, mode);
  } catch (const sup::spec_error& e) {
    return e.reason();
  }
  return parse_term("no_error");
}

term flags_error_of(const term& flags) {
  try {
    sup::flags::from_term(flags);
  } catch (const sup::spec_error& e) {
    return e.reason();
  }
  return parse_term("no_error");
}

TEST(ChildSpec, MapDefaultsMatchOtpForAWorker) {
  const auto spec = sup::child_spec::from_term(parse_term("#{id => w, start => {m, f, [1]}}"));
  EXPECT_EQ(spec.to_term(), parse_term("#{id => w, start => {m, f, [1]}, restart => permanent, significant => false, "
                                       "shutdown => 5000, type => worker, modules => [m]}"));
}

TEST(ChildSpec, SupervisorTypeDefaultsToInfinityShutdown) {
  const auto spec = sup::child_spec::from_term(parse_term("#{id => s, start => {m, f, []}, type => supervisor}"));
  EXPECT_EQ(*spec.to_term().find(parse_term("shutdown")), parse_term("infinity"));
}

TEST(ChildSpec, LegacySixTupleIsAccepted) {
  const auto spec = sup::child_spec::from_term(parse_term("{w, {m, f, []}, transient, brutal_kill, worker, dynamic}"));
  EXPECT_EQ(spec.to_term(), parse_term("#{id => w, start => {m, f, []}, restart => transient, significant => false, "
                                       "shutdown => brutal_kill, type => worker, modules => dynamic}"));
}

TEST(ChildSpec, ValidationErrorsAreOtpTerms) {
  EXPECT_EQ(spec_error_of(parse_term("#{start => {m, f, []}}")), parse_term("missing_id"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x}")), parse_term("missing_start"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f}}")), parse_term("{invalid_mfa, {m, f}}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, a}}")), parse_term("{invalid_mfa, {m, f, a}}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, restart => sometimes}")),
            parse_term("{invalid_restart_type, sometimes}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, type => boss}")),
            parse_term("{invalid_child_type, boss}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, shutdown => -1}")),
            parse_term("{invalid_shutdown, -1}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, shutdown => soon}")),
            parse_term("{invalid_shutdown, soon}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, modules => [m, 1]}")),
            parse_term("{invalid_module, 1}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, modules => m}")),
            parse_term("{invalid_modules, m}"));
  EXPECT_EQ(spec_error_of(parse_term("[not_a_spec]")), parse_term("{invalid_child_spec, [not_a_spec]}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, restart => transient, significant => perhaps}"),
                          sup::auto_shutdown::any_significant),
            parse_term("{invalid_significant, perhaps}"));
}

TEST(ChildSpec, ShutdownZeroIsValid) {
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, shutdown => 0}")), parse_term("no_error"));
}

TEST(ChildSpec, SignificantNeedsAutoShutdownAndANonPermanentRestart) {
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, restart => transient, significant => true}")),
            parse_term("{bad_combination, [{auto_shutdown, never}, {significant, true}]}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, significant => true}"),
                          sup::auto_shutdown::any_significant),
            parse_term("{bad_combination, [{restart, permanent}, {significant, true}]}"));
  EXPECT_EQ(spec_error_of(parse_term("#{id => x, start => {m, f, []}, restart => temporary, significant => true}"),
                          sup::auto_shutdown::all_significant),
            parse_term("no_error"));
}

TEST(ChildSpec, CxxSpecsAreValidatedToo) {
  sup::child_spec spec = sup::child_spec::worker(parse_term("w"), [](const term&) { return term(); });
  spec.significant = true;
  spec.restart = sup::restart_type::transient;
  EXPECT_THROW(spec.validate(sup::auto_shutdown::never), sup::spec_error);
  EXPECT_NO_THROW(spec.validate(sup::auto_shutdown::any_significant));
  spec.shutdown = sup::shutdown_spec::after(-5);
  EXPECT_THROW(spec.validate(sup::auto_shutdown::any_significant), sup::spec_error);
}

TEST(ChildSpec, CxxWorkerShowsASynthesizedMfa) {
  const auto spec = sup::child_spec::worker(parse_term("w"), [](const term&) { return term(); });
  EXPECT_EQ(spec.to_term(), parse_term("#{id => w, start => {'c++', start_link, []}, restart => permanent, "
                                       "significant => false, shutdown => 5000, type => worker, modules => ['c++']}"));
}

TEST(SupervisorFlags, DefaultsAndLegacyTuple) {
  const auto f = sup::flags::from_term(parse_term("#{}"));
  EXPECT_EQ(f.to_term(), parse_term("#{strategy => one_for_one, intensity => 1, period => 5, auto_shutdown => never}"));
  const auto legacy = sup::flags::from_term(parse_term("{rest_for_one, 3, 10}"));
  EXPECT_EQ(legacy.to_term(),
            parse_term("#{strategy => rest_for_one, intensity => 3, period => 10, auto_shutdown => never}"));
}

TEST(SupervisorFlags, ValidationErrorsAreOtpTerms) {
  EXPECT_EQ(flags_error_of(parse_term("#{strategy => one_for_some}")), parse_term("{invalid_strategy, one_for_some}"));
  EXPECT_EQ(flags_error_of(parse_term("#{intensity => -1}")), parse_term("{invalid_intensity, -1}"));
  EXPECT_EQ(flags_error_of(parse_term("#{intensity => x}")), parse_term("{invalid_intensity, x}"));
  EXPECT_EQ(flags_error_of(parse_term("#{period => 0}")), parse_term("{invalid_period, 0}"));
  EXPECT_EQ(flags_error_of(parse_term("#{auto_shutdown => sometimes}")),
            parse_term("{invalid_auto_shutdown, sometimes}"));
  EXPECT_EQ(flags_error_of(parse_term("[one_for_one]")), parse_term("{invalid_type, [one_for_one]}"));
}

TEST(CheckChildspecs, OkOrTheFirstError) {
  EXPECT_EQ(sup::check_childspecs(parse_term("[#{id => a, start => {m, f, []}}, {b, {m, f, []}, permanent, 10, "
                                             "worker, [m]}]")),
            parse_term("ok"));
  EXPECT_EQ(sup::check_childspecs(parse_term("[#{id => a, start => {m, f, []}}, #{id => a, start => {m, g, []}}]")),
            parse_term("{error, {duplicate_child_name, a}}"));
  EXPECT_EQ(sup::check_childspecs(parse_term("[#{id => a}]")), parse_term("{error, missing_start}"));
  EXPECT_EQ(sup::check_childspecs(parse_term("[#{id => a, start => {m, f, []}, restart => temporary, significant => "
                                             "true}]"),
                                  sup::auto_shutdown::any_significant),
            parse_term("ok"));
  EXPECT_EQ(sup::check_childspecs(parse_term("not_a_list")), parse_term("{error, {badarg, not_a_list}}"));
}

// --- supervisor:add_restart/1, with the clock value injected --------------------------------------

TEST(RestartIntensity, AllowsExactlyIntensityRestartsInThePeriod) {
  sup::restart_intensity r(3, 5);
  EXPECT_TRUE(r.add_restart(100));
  EXPECT_TRUE(r.add_restart(100));
  EXPECT_TRUE(r.add_restart(101));
  EXPECT_FALSE(r.add_restart(101));  // the fourth within 5 s
}

TEST(RestartIntensity, IntensityZeroGivesUpOnTheFirstRestart) {
  sup::restart_intensity r(0, 5);
  EXPECT_FALSE(r.add_restart(7));
}

TEST(RestartIntensity, WindowIsInclusiveInWholeSeconds) {
  sup::restart_intensity r(1, 5);
  EXPECT_TRUE(r.add_restart(10));
  // 15 - 5 = 10: a restart at 10 is still inside the window at 15 (R >= Now - Period).
  EXPECT_FALSE(r.add_restart(15));
  sup::restart_intensity s(1, 5);
  EXPECT_TRUE(s.add_restart(10));
  EXPECT_TRUE(s.add_restart(16));  // 10 < 16 - 5: forgotten
  EXPECT_EQ(s.count(), 1u);
}

TEST(RestartIntensity, EveryAttemptCountsAndOldOnesAreDropped) {
  sup::restart_intensity r(2, 10);
  EXPECT_TRUE(r.add_restart(0));
  EXPECT_TRUE(r.add_restart(5));
  EXPECT_FALSE(r.add_restart(10));  // 0, 5 and 10 are all within [0, 10]
  EXPECT_EQ(r.count(), 3u);
  EXPECT_FALSE(r.add_restart(11));  // 0 is gone; 5, 10, 11 remain: still three
  EXPECT_TRUE(r.add_restart(30));   // everything older than 20 is forgotten
  EXPECT_EQ(r.count(), 1u);
}

TEST(RestartIntensity, ClockIsWholeMonotonicSeconds) {
  const auto a = sup::restart_intensity::now_seconds();
  const auto b = sup::restart_intensity::now_seconds();
  EXPECT_LE(a, b);
  EXPECT_LE(b - a, 1);
}

}  // namespace
