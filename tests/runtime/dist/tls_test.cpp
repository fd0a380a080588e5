// Distribution over TLS (node::tls_options): otp-cpp nodes with each other and with a real
// `erl -proto_dist inet_tls` (Debian's erlang-ssl), certificates from scripts/dist-tls-certs.sh
// (tests/support/tls_certificates.hpp). Each test checks that TLS is really on: the node's port
// completes a TLS handshake, or a peer that does not fit is refused. A line this node logs about a
// peer may come after the peer saw the failure (a TLS alert goes out first): waited for.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../../support/tls_certificates.hpp"
#include "dist_test_support.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node.hpp"
#include "otp/process.hpp"
#include "otp/runtime.hpp"

namespace otp::dist_test {
namespace {

using otp::test::tls_certificates;

const std::string cookie = "tlscookie";

const tls_certificates& certs() { return tls_certificates::get(); }

node::options tls_node(const std::string& certificate = "node") {
  node::options o;
  o.tls = certs().options(certificate);
  return o;
}

std::vector<std::string> tls_args(const std::string& certificate) {
  return {"tls_cert=" + certs().certificate(certificate).string(), "tls_key=" + certs().key(certificate).string(),
          "tls_ca=" + certs().ca().string()};
}

std::string alive_of(atom node) {
  const std::string name(node.text());
  return name.substr(0, name.find('@'));
}

std::string this_node() { return std::string(node::name().text()); }

class Tls : public testing::Test {
 protected:
  otp::runtime rt{otp::runtime_options{.schedulers = 2}};
};

TEST_F(Tls, TwoOtpCppNodesSendAndCallOverTls) {
  local_node me(cookie, tls_node("node"));
  test_node other(cookie, tls_args("other"));
  EXPECT_TRUE(certs().speaks_tls(alive_of(other.node()))) << "the other node's port does not speak TLS";
  EXPECT_TRUE(certs().speaks_tls(alive_of(node::name()))) << "this node's port does not speak TLS";
  rt.run([&] {
    send(tuple(atom("echo"), other.node()), tuple(self(), atom("hello")));
    const auto echoed = receive([](const term&) { return true; }, must_happen_within);
    ASSERT_TRUE(echoed.has_value()) << "no echo over TLS";
    EXPECT_EQ(*echoed, tuple(atom("echo"), other.node(), atom("hello")));
    EXPECT_EQ(gen_server::call(tuple(atom("test_srv"), other.node()), atom("ping"), must_happen_within),
              term(atom("pong")));
    // And the other way: it calls a node and answers with what it got.
    EXPECT_EQ(
        gen_server::call(tuple(atom("test_srv"), other.node()), tuple(atom("ping"), node::name()), must_happen_within),
        term(atom("pong")));
  });
}

TEST_F(Tls, APeerWhoseCertificateTheCaDidNotSignIsRefusedBothWays) {
  log::capture logs;
  local_node me(cookie, tls_node("node"));
  test_node rogue(cookie, tls_args("rogue"));
  EXPECT_EQ(node::ping(rogue.node()), atom("pang"));
  EXPECT_TRUE(eventually([&] { return logs.contains("TLS handshake failed"); }))
      << "no line says why the connection failed";
  logs.clear();
  rogue.child.write_line("ping " + this_node());
  EXPECT_EQ(rogue.child.expect_line("ping "), "ping pang");
  EXPECT_TRUE(eventually([&] { return logs.contains("rejected: TLS handshake failed"); }))
      << "no line says why the peer was refused";
  // A peer with a good certificate still gets in.
  test_node other(cookie, tls_args("other"));
  EXPECT_EQ(node::ping(other.node()), atom("pong"));
}

TEST_F(Tls, TheCookieIsStillCheckedInsideTls) {
  log::capture logs;
  local_node me(cookie, tls_node("node"));
  test_node stranger("not_the_cookie", tls_args("other"));
  EXPECT_EQ(node::ping(stranger.node()), atom("pang"));
  EXPECT_TRUE(eventually([&] {
    return logs.contains("the peer closed the connection during the handshake (wrong cookie?)");
  })) << "the failure is not the cookie's";
  stranger.child.write_line("ping " + this_node());
  EXPECT_EQ(stranger.child.expect_line("ping "), "ping pang");
  EXPECT_TRUE(eventually([&] { return logs.contains("rejected: invalid challenge reply (wrong cookie?)"); }))
      << "the refusal is not the cookie's";
  EXPECT_TRUE(certs().speaks_tls(alive_of(stranger.node())));
}

TEST_F(Tls, WithVerifyPeerOffAnyCertificateIsAccepted) {
  node::options o = tls_node("node");
  o.tls->verify_peer = false;
  local_node me(cookie, o);
  test_node rogue(cookie, tls_args("rogue"));  // it checks ours; this node does not check its
  EXPECT_EQ(node::ping(rogue.node()), atom("pong"));
  EXPECT_TRUE(certs().speaks_tls(alive_of(node::name())));
}

TEST_F(Tls, APlainNodeAndATlsNodeRefuseEachOtherWithALogLine) {
  log::capture logs;
  local_node me(cookie, tls_node("node"));
  test_node plain(cookie);
  plain.child.write_line("ping " + this_node());
  EXPECT_EQ(plain.child.expect_line("ping "), "ping pang");
  EXPECT_TRUE(eventually([&] { return logs.contains("rejected: TLS handshake failed"); }))
      << "no line says why the plain node was refused";
  logs.clear();
  EXPECT_EQ(node::ping(plain.node()), atom("pang"));
  EXPECT_TRUE(eventually([&] { return logs.contains("TLS handshake failed"); }))
      << "no line says why the connection failed";
  EXPECT_TRUE(eventually(
      [&] { return logs.contains("(the peer does not use TLS distribution, or refused this node's certificate)"); }));
}

TEST_F(Tls, APlainNodeSaysAPeerSpeaksTls) {
  log::capture logs;
  local_node me(cookie);  // plain
  test_node secure(cookie, tls_args("other"));
  secure.child.write_line("ping " + this_node());
  EXPECT_EQ(secure.child.expect_line("ping "), "ping pang");
  EXPECT_TRUE(eventually([&] {
    return logs.contains("rejected: the peer speaks TLS: it uses TLS distribution, this node plain TCP");
  })) << "no line says why the TLS node was refused";
  logs.clear();
  EXPECT_EQ(node::ping(secure.node()), atom("pang"));
  EXPECT_TRUE(eventually([&] {
    return logs.contains("the peer closed the connection without answering (does it use TLS distribution?)");
  })) << "no line says why the connection failed";
}

TEST_F(Tls, StartFailsNamingAFileItCannotUse) {
  const auto start_error_of = [&](node::options o) -> std::string {
    o.name = unique_node("t");
    o.cookie = cookie;
    try {
      node::start(o);
    } catch (const node::start_error& e) {
      return e.what();
    }
    node::stop();
    return "started";
  };
  node::options missing = tls_node("node");
  missing.tls->certificate_file = "/nonexistent/node.pem";
  EXPECT_NE(start_error_of(missing).find("/nonexistent/node.pem"), std::string::npos) << start_error_of(missing);
  node::options not_a_key = tls_node("node");
  not_a_key.tls->key_file = certs().ca();  // a certificate, not a key
  EXPECT_NE(start_error_of(not_a_key).find("TLS key file " + certs().ca().string()), std::string::npos)
      << start_error_of(not_a_key);
  node::options wrong_key = tls_node("node");
  wrong_key.tls->key_file = certs().key("other");
  EXPECT_NE(start_error_of(wrong_key).find("TLS key file " + certs().key("other").string() + ": key values mismatch"),
            std::string::npos)
      << start_error_of(wrong_key);
  node::options not_a_ca = tls_node("node");
  not_a_ca.tls->ca_file = certs().key("node");
  EXPECT_NE(start_error_of(not_a_ca).find("TLS CA file " + certs().key("node").string()), std::string::npos)
      << start_error_of(not_a_ca);
  EXPECT_FALSE(node::alive());
}

// --- a real Erlang node -----------------------------------------------------------------------

std::vector<std::string> erl_tls_flags() {
  return {"-proto_dist", "inet_tls", "-ssl_dist_optfile", certs().erl_optfile("other").string()};
}

TEST_F(Tls, ErlangOverTlsPingsCallsAndIsCalled) {
  local_node me(cookie, tls_node("node"));
  rt.run([] {
    return gen_server::start(std::make_shared<cpp_server>(), term(),
                             gen_server::start_options{.name = atom("cpp_srv")});
  });
  erl_node erl(cookie, erlang_beam_dir(), erl_tls_flags());
  EXPECT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + ")."), "pong");
  EXPECT_EQ(erl.eval("gen_server:call({cpp_srv, " + quoted(node::name()) + "}, {echo, 42}, 5000)."), "{cpp_echo,42}");
  EXPECT_EQ(erl.eval("element(1, dist_peer:start_server())."), "ok");
  rt.run([&] {
    EXPECT_EQ(gen_server::call(tuple(atom("erl_srv"), erl.node()), tuple(atom("echo"), 7), must_happen_within),
              tuple(atom("erl_echo"), 7));
  });
  // Now this node connects: erl drops the connection, and this node waits until it saw it go.
  rt.run([&] {
    node::monitor_node(erl.node(), true);
    EXPECT_EQ(erl.eval("net_kernel:disconnect(" + quoted(node::name()) + ")."), "true");
    const auto down =
        receive([&](const term& m) { return m == tuple(atoms::nodedown, erl.node()); }, must_happen_within);
    ASSERT_TRUE(down.has_value()) << "the connection erl closed did not go down";
  });
  EXPECT_EQ(node::ping(erl.node()), atom("pong")) << "this node cannot connect to erl over TLS";
  EXPECT_EQ(erl.eval("lists:member(" + quoted(node::name()) + ", nodes())."), "true");
}

TEST_F(Tls, ErlangOverPlainTcpCannotReachATlsNode) {
  local_node me(cookie, tls_node("node"));
  erl_node erl(cookie, erlang_beam_dir());
  EXPECT_EQ(erl.eval("net_adm:ping(" + quoted(node::name()) + ")."), "pang");
}

}  // namespace
}  // namespace otp::dist_test
