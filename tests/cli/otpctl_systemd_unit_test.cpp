// otpctl systemd-unit: the unit it prints (foreground node, restart on failure, the cookie from a
// file and never on the command line, paths quoted and escaped as systemd reads them), checked by
// systemd-analyze verify where it is installed; its usage errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "node_test_support.hpp"

namespace {

using namespace otpctl_node_test;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(OtpctlSystemdUnit, PrintsAForegroundUnitWithTheCookieFromAFile) {
  const outcome r = otpctl({"systemd-unit", "--name", "kv@127.0.0.1", "--root", "/srv/kv 100%", "--cookie-file",
                            "/etc/kv/cookie", "--user", "kv", "--otpctl", "/opt/otp/bin/otpctl"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(contains(r.out, "\n[Service]\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\nType=simple\n")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "\nExecStart=/opt/otp/bin/otpctl start --name kv@127.0.0.1 --root \"/srv/kv 100%%\" "
                       "--cookie-file /etc/kv/cookie\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "\nRestart=on-failure\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\nUser=kv\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\n[Install]\nWantedBy=multi-user.target\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "--daemon")) << "systemd is the watchdog: the node runs in the foreground";
  EXPECT_FALSE(contains(r.out, "--cookie ")) << "the cookie is never on the command line";
  EXPECT_FALSE(contains(r.out, "Environment")) << "nor in the unit's environment";
}

TEST(OtpctlSystemdUnit, WithoutACookieFileTheNodeReadsItsUsersErlangCookie) {
  const outcome r = otpctl({"systemd-unit", "--sname", "kv", "--root", "/srv/kv", "--otpctl", "/opt/otp/bin/otpctl"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\nExecStart=/opt/otp/bin/otpctl start --sname kv --root /srv/kv\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "User=")) << r.out;
}

TEST(OtpctlSystemdUnit, SystemdAnalyzeVerifiesTheUnit) {
  if (std::system("command -v systemd-analyze > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "systemd-analyze is not installed (Debian package systemd), so the unit cannot be verified";
  const temp_dir dir("unit");
  const fs::path root = dir.path() / "kv root";
  fs::create_directories(root);
  std::ofstream(dir.path() / "cookie") << "unit_test_cookie\n";
  // The unit runs the otpctl under test, which must exist for verify.
  const outcome r = otpctl({"systemd-unit", "--name", "kv@127.0.0.1", "--root", root.string(), "--cookie-file",
                            (dir.path() / "cookie").string(), "--otpctl", OTP_OTPCTL});
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path unit = dir.path() / "otp-kv.service";
  std::ofstream(unit) << r.out;
  const std::string verify =
      "systemd-analyze verify '" + unit.string() + "' > '" + (dir.path() / "verify.out").string() + "' 2>&1";
  EXPECT_EQ(std::system(verify.c_str()), 0) << slurp(dir.path() / "verify.out") << "\n" << r.out;
}

TEST(OtpctlSystemdUnit, TheTlsFlagsGoToTheNodeWithAbsolutePaths) {
  const std::string here = std::filesystem::current_path().string();
  const outcome r =
      otpctl({"systemd-unit", "--name", "kv@127.0.0.1", "--root", "/srv/kv", "--otpctl", "/opt/otp/bin/otpctl",
              "--tls-cert", "kv.pem", "--tls-key", "/etc/kv/kv.key", "--tls-ca", "/etc/kv/ca.pem"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\nExecStart=/opt/otp/bin/otpctl start --name kv@127.0.0.1 --root /srv/kv --tls-cert " +
                                  here + "/kv.pem --tls-key /etc/kv/kv.key --tls-ca /etc/kv/ca.pem\n"))
      << r.out;
  const outcome incomplete =
      otpctl({"systemd-unit", "--name", "kv@127.0.0.1", "--root", "/srv/kv", "--tls-cert", "kv.pem"});
  EXPECT_EQ(incomplete.code, 2);
  EXPECT_TRUE(contains(incomplete.err, "needs both --tls-cert and --tls-key")) << incomplete.err;
}

TEST(OtpctlSystemdUnit, UsageErrorsExitTwo) {
  const outcome no_name = otpctl({"systemd-unit", "--root", "/srv/kv"});
  EXPECT_EQ(no_name.code, 2);
  EXPECT_TRUE(contains(no_name.err, "give the node's name with either --name or --sname")) << no_name.err;
  const outcome no_root = otpctl({"systemd-unit", "--name", "kv@127.0.0.1"});
  EXPECT_EQ(no_root.code, 2);
  EXPECT_TRUE(contains(no_root.err, "the option '--root' is required but missing")) << no_root.err;
}

}  // namespace
