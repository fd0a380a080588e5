// otp::epmd::lookup against the real EPMD: a node this test starts is registered at the port it
// listens on, an unknown name is not, and a host that does not resolve says so.
#include "otp/epmd.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dist_test_support.hpp"
#include "otp/node.hpp"
#include "otp/runtime.hpp"
#include "raw_peer.hpp"

namespace {

using namespace otp;
using namespace otp::dist_test;

TEST(EpmdLookup, ARunningNodeIsRegisteredAtThePortItListensOn) {
  runtime rt;
  local_node me("epmdcookie");
  const std::string name(node::name().text());
  const std::string alive = name.substr(0, name.find('@'));
  const epmd::lookup_result found = epmd::lookup("127.0.0.1", alive, must_happen_within);
  ASSERT_EQ(found.status, epmd::lookup_status::registered);
  ASSERT_NE(found.port, 0);
  // What listens there is the node: a peer's send_name gets its handshake status back.
  raw_peer peer(found.port);
  peer.send_name(unique_node("probe"));
  EXPECT_TRUE(peer.recv_some(must_happen_within).has_value()) << "nothing answered on port " << found.port;
}

TEST(EpmdLookup, AnUnknownNameIsNotRegistered) {
  const epmd::lookup_result found = epmd::lookup("127.0.0.1", unique_alive("nobody"), must_happen_within);
  EXPECT_EQ(found.status, epmd::lookup_status::not_registered);
}

TEST(EpmdLookup, AHostThatDoesNotResolveSaysSo) {
  EXPECT_EQ(epmd::lookup("no-such-host.invalid", "x", must_happen_within).status, epmd::lookup_status::unresolvable);
}

}  // namespace
