// An install seen while it is in progress: this test, as a hidden node, prepares an install on a
// node started with --observer-port (the first phase of a cluster install: checked, planned, its
// new code loaded, stopped before the point of no return, docs/cluster.md) and reads /api/install
// and /events while the install waits for its commit; then it aborts it.
#include <gtest/gtest.h>

#include "observer_test_support.hpp"
#include "otp/release_handler.hpp"
#include "start_test_support.hpp"

namespace {

using namespace otp_observer_test;
namespace json = boost::json;

// The data of the first `update` event of /events on `port` (raw HTTP: the stream never ends).
json::value first_update(std::uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  const std::string request = "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(request));
  std::string text;
  const std::string marker = "event: update\ndata: ";
  for (;;) {
    char chunk[4096];
    const std::size_t n = socket.read_some(boost::asio::buffer(chunk));
    text.append(chunk, n);
    const std::size_t at = text.find(marker);
    if (at == std::string::npos) continue;
    const std::size_t end = text.find("\n\n", at);
    if (end == std::string::npos) continue;
    return json::parse(text.substr(at + marker.size(), end - at - marker.size()));
  }
}

TEST(ObserverInstall, AnInstallInProgressShowsItsStepsSoFarThenItsOutcome) {
  counter_root root;
  observed_node node(root);
  const outcome unpack = otpctl_on(node.name(), "unpack", {"--vsn", "1.1.0", example_counter_root().string()});
  ASSERT_EQ(unpack.code, 0) << unpack.err;
  otp::start_test::hidden_node self(cookie);
  const otp::term handler = otp::tuple(otp::atom("release_handler"), otp::atom(node.name()));
  const otp::term prepared = self.run([&] {
    return otp::release::release_handler::prepare_install("1.1.0", "observer-test", std::chrono::milliseconds(60000),
                                                          handler);
  });
  ASSERT_TRUE(prepared.is_tuple(2) && prepared[0].is_atom(otp::atoms::ok)) << prepared.to_string();

  const json::object running = get_json(node.port(), "/api/install").as_object();
  EXPECT_EQ(running.at("state"), "running") << running;
  EXPECT_EQ(running.at("from_vsn"), "1.0.0");
  EXPECT_EQ(running.at("to_vsn"), "1.1.0");
  const json::array& steps = running.at("steps").as_array();
  ASSERT_FALSE(steps.empty()) << running;
  EXPECT_EQ(steps.at(0).at("step"), "{load_object_code,{counter,\"1.1.0\",[counter]}}");
  for (const json::value& s : steps) EXPECT_NE(s.at("step"), "{suspend,[counter]}") << "past the point of no return";
  EXPECT_FALSE(running.contains("duration_ms"));
  // The page's stream carries it too.
  const json::value update = first_update(node.port());
  EXPECT_EQ(update.at("install").at("state"), "running") << update;

  const otp::term aborted =
      self.run([&] { return otp::release::release_handler::abort_install("observer-test", handler); });
  EXPECT_TRUE(aborted.is_atom(otp::atoms::ok)) << aborted.to_string();
  const json::object ended = get_json(node.port(), "/api/install").as_object();
  EXPECT_EQ(ended.at("state"), "failed") << ended;
  EXPECT_NE(std::string(ended.at("reason").as_string()).find("aborted"), std::string::npos) << ended;
  EXPECT_TRUE(ended.contains("duration_ms"));
  EXPECT_TRUE(ended.contains("longest_suspension_us"));
}

}  // namespace
