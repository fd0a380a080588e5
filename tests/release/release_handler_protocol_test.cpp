// The release handler's replies as C++ types: each encodes to the documented term shape and decodes
// back, and a reply of another shape is refused with the term it got.
#include "otp/release_handler_protocol.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "otp/term_text.hpp"

namespace {

namespace rh = otp::release::release_handler;
using otp::parse_term;
using otp::release::release_status;

TEST(ReleaseHandlerProtocol, ReleasesEncodeAsDocumentedAndDecodeBack) {
  const std::vector<rh::release_entry> releases{
      {"counter", "1.1.0", {"counter-1.1.0", "lib-2.0"}, release_status::current},
      {"counter", "1.0.0", {"counter-1.0.0"}, release_status::permanent}};
  const otp::term encoded = rh::encode_releases(releases);
  EXPECT_EQ(encoded, parse_term(R"([{<<"counter">>,<<"1.1.0">>,[<<"counter-1.1.0">>,<<"lib-2.0">>],current},
                                    {<<"counter">>,<<"1.0.0">>,[<<"counter-1.0.0">>],permanent}])"));
  const auto decoded = rh::decode_releases(encoded);
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[0].applications, releases[0].applications);
  EXPECT_EQ(decoded[1].status, release_status::permanent);
  EXPECT_EQ(rh::running(decoded)->vsn, "1.1.0");
  EXPECT_EQ(rh::find_status(decoded, release_status::permanent)->vsn, "1.0.0");
  EXPECT_EQ(rh::find_status(decoded, release_status::old), nullptr);
}

TEST(ReleaseHandlerProtocol, WithNoCurrentReleaseThePermanentOneRuns) {
  const auto decoded =
      rh::decode_releases(parse_term(R"([{<<"r">>,<<"2">>,[],unpacked},{<<"r">>,<<"1">>,[],permanent}])"));
  EXPECT_EQ(rh::running(decoded)->vsn, "1");
}

TEST(ReleaseHandlerProtocol, AReplyOfAnotherShapeIsRefusedWithWhatCame) {
  for (const char* reply : {R"({error,noproc})", R"([{<<"r">>,"1",[],permanent}])", R"([{<<"r">>,<<"1">>,[],dormant}])",
                            R"([{<<"r">>,<<"1">>,[]}])"}) {
    try {
      rh::decode_releases(parse_term(reply));
      ADD_FAILURE() << reply << " was read as releases";
    } catch (const otp::release::protocol_error& e) {
      EXPECT_NE(std::string(e.what()).find(parse_term(reply).to_string()), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(rh::decode_install_report(parse_term(R"({ok,<<"1.0.0">>})")), otp::release::protocol_error);
  EXPECT_THROW(rh::decode_install_plan(parse_term(R"({ok,<<"1.0.0">>,sideways,<<"s">>})")),
               otp::release::protocol_error);
}

TEST(ReleaseHandlerProtocol, InstallReportAndPlanRoundTrip) {
  const rh::install_report report{"1.0.0", 12, 3, 40, 250};
  const otp::term encoded = rh::encode_install_report(report);
  EXPECT_EQ(encoded, parse_term(R"({ok,<<"1.0.0">>,#{duration_ms => 12,modules_changed => 3,
                                    processes_migrated => 40,longest_suspension_us => 250}})"));
  const rh::install_report back = rh::decode_install_report(encoded);
  EXPECT_EQ(back.from_vsn, "1.0.0");
  EXPECT_EQ(back.processes_migrated, 40);
  EXPECT_EQ(back.longest_suspension_us, 250);

  const otp::term plan = rh::encode_install_plan({"1.1.0", false, "point_of_no_return\n"});
  EXPECT_EQ(plan, parse_term(R"({ok,<<"1.1.0">>,down,<<"point_of_no_return\n">>})"));
  EXPECT_FALSE(rh::decode_install_plan(plan).upgrade);
  EXPECT_EQ(rh::decode_install_plan(plan).script, "point_of_no_return\n");
}

TEST(ReleaseHandlerProtocol, InstallProgressEncodesAsDocumentedAndOtherMessagesAreNotProgress) {
  const otp::term pid = otp::term::make_pid(otp::pid_parts{0, 77, 0});
  const otp::term encoded = rh::encode_install_progress({"1.1.0", "{suspend,[counter]}", {pid}});
  EXPECT_EQ(encoded, otp::tuple(otp::atom("release_progress"), otp::binary("1.1.0"), otp::binary("{suspend,[counter]}"),
                                otp::list(pid)));
  const auto decoded = rh::decode_install_progress(encoded);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->to_vsn, "1.1.0");
  EXPECT_EQ(decoded->step, "{suspend,[counter]}");
  EXPECT_EQ(decoded->processes, std::vector<otp::term>{pid});
  EXPECT_FALSE(rh::decode_install_progress(parse_term("{release_progress, <<\"1.1.0\">>, step, []}")).has_value());
  EXPECT_FALSE(rh::decode_install_progress(parse_term("{flush, self, ref}")).has_value());
}

TEST(ReleaseHandlerProtocol, ARollbackGoesToTheNamedReleaseElseToThePermanentOne) {
  const std::vector<rh::release_entry> releases{{"counter", "1.1.0", {}, release_status::current},
                                                {"counter", "1.0.0", {}, release_status::permanent}};
  EXPECT_EQ(rh::rollback_target(releases, std::nullopt, "a@h"), "1.0.0");
  EXPECT_EQ(rh::rollback_target(releases, std::string("1.1.0"), "a@h"), "1.1.0");
  try {
    rh::rollback_target(releases, std::string("2.0.0"), "a@h");
    FAIL() << "an unknown release was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "no release 2.0.0 on node a@h");
  }
  EXPECT_EQ(rh::rollback_target({}, std::nullopt, "a@h"), "");
}

TEST(ReleaseHandlerProtocol, ErrorOfReadsAnErrorReplyOnly) {
  EXPECT_EQ(rh::error_of(parse_term("{error,{unknown_release,<<\"9\">>}}")), parse_term("{unknown_release,<<\"9\">>}"));
  EXPECT_FALSE(rh::error_of(parse_term("{ok,<<\"1\">>}")));
  EXPECT_FALSE(rh::error_of(parse_term("{error,a,b}")));
}

}  // namespace
