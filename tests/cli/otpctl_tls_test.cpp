// otpctl and distribution over TLS (tls_option.hpp): `otpctl start --daemon` with --tls-cert,
// --tls-key and --tls-ca boots a node whose port speaks TLS; otpctl's node commands reach it with
// the same flags only, and say what may be wrong without them or with a certificate the node does
// not trust; incomplete flags are a usage error; a file that cannot be used is named. Certificates
// from scripts/dist-tls-certs.sh (tests/support/tls_certificates.hpp), nodes on 127.0.0.1.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/tls_certificates.hpp"
#include "start_test_support.hpp"

namespace {

using namespace otp::start_test;
using otp::test::tls_certificates;

const std::string cookie = "otpctl_tls_test";

const tls_certificates& certs() { return tls_certificates::get(); }

std::vector<std::string> tls_flags(const std::string& certificate) {
  return {"--tls-cert", certs().certificate(certificate).string(),
          "--tls-key",  certs().key(certificate).string(),
          "--tls-ca",   certs().ca().string()};
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class OtpctlTls : public ::testing::Test {
 protected:
  counter_root root_;
  reaper reaper_{root_};
  const std::string node_ = unique_node("tls");

  std::vector<std::string> at_node(const std::string& command) const {
    return {command, "--node", node_, "--cookie", cookie};
  }
};

TEST_F(OtpctlTls, ADaemonOverTlsAnswersOtpctlOverTlsOnly) {
  const outcome started = run_otpctl(with({"start", "--name", node_, "--root", root_.root.string(), "--cookie", cookie,
                                           "--first-boot", "1.0.0", "--daemon"},
                                          tls_flags("node")));
  for (const fs::path& file : {root_.watchdog_pid_file(), root_.node_pid_file()})
    if (const auto pid = read_pid(file)) reaper_.track(*pid);
  ASSERT_EQ(started.code, 0) << started.err;
  EXPECT_TRUE(certs().speaks_tls(node_.substr(0, node_.find('@')))) << "the node's port does not speak TLS";

  const outcome ping = run_otpctl(with(at_node("ping"), tls_flags("other")));
  EXPECT_EQ(ping.code, 0) << ping.err;
  EXPECT_EQ(ping.out, "pong\n");
  const outcome status = run_otpctl(with(at_node("status"), tls_flags("other")));
  EXPECT_EQ(status.code, 0) << status.err;
  EXPECT_TRUE(contains(status.out, "counter")) << status.out;

  // A cast is written before otpctl's node stops (over TLS every write goes through the event loop).
  const outcome cast = run_otpctl(with(with(at_node("cast"), tls_flags("other")), {"counter", "{increment, 40}"}));
  EXPECT_EQ(cast.code, 0) << cast.err;
  const outcome get = run_otpctl(with(with(at_node("call"), tls_flags("other")), {"counter", "get"}));
  EXPECT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(get.out, "40\n");

  const outcome plain = run_otpctl(at_node("ping"));
  EXPECT_EQ(plain.code, 1);
  EXPECT_TRUE(contains(plain.err, "or the node uses distribution over TLS (give --tls-cert, --tls-key and --tls-ca)"))
      << plain.err;
  const outcome untrusted = run_otpctl(with(at_node("ping"), tls_flags("rogue")));
  EXPECT_EQ(untrusted.code, 1);
  EXPECT_TRUE(contains(untrusted.err, "or one side does not trust the other's certificate")) << untrusted.err;

  const outcome stopped = run_otpctl(with(at_node("stop"), tls_flags("other")));
  EXPECT_EQ(stopped.code, 0) << stopped.err;
}

TEST_F(OtpctlTls, IncompleteTlsFlagsAreAUsageError) {
  const std::string cert = certs().certificate("node").string();
  const std::string key = certs().key("node").string();
  const outcome no_key = run_otpctl(with(at_node("ping"), {"--tls-cert", cert}));
  EXPECT_EQ(no_key.code, 2);
  EXPECT_TRUE(contains(no_key.err, "distribution over TLS needs both --tls-cert and --tls-key")) << no_key.err;
  const outcome no_ca = run_otpctl(with(at_node("ping"), {"--tls-cert", cert, "--tls-key", key}));
  EXPECT_EQ(no_ca.code, 2);
  EXPECT_TRUE(contains(no_ca.err, "--tls-ca is needed to check peers' certificates (or give --tls-no-verify)"))
      << no_ca.err;
  const outcome start =
      run_otpctl({"start", "--name", node_, "--root", root_.root.string(), "--cookie", cookie, "--tls-key", key});
  EXPECT_EQ(start.code, 2);
  EXPECT_TRUE(contains(start.err, "needs both --tls-cert and --tls-key")) << start.err;
}

TEST_F(OtpctlTls, AFileThatCannotBeUsedIsNamed) {
  std::vector<std::string> flags = tls_flags("node");
  flags[1] = (root_.dir / "missing.pem").string();
  const outcome ping = run_otpctl(with(at_node("ping"), flags));
  EXPECT_EQ(ping.code, 1);
  EXPECT_TRUE(
      contains(ping.err, "otpctl ping: cannot make otpctl a node: cannot read the TLS certificate file " + flags[1]))
      << ping.err;
  const outcome start =
      run_otpctl(with({"start", "--name", node_, "--root", root_.root.string(), "--cookie", cookie}, flags));
  EXPECT_EQ(start.code, 1);
  EXPECT_TRUE(contains(start.err, "cannot read the TLS certificate file " + flags[1])) << start.err;
}

}  // namespace
