// otp::epmd::lookup: PORT_PLEASE2 over Boost.Asio, bounded by a deadline.
#include "otp/epmd.hpp"

#include <boost/asio.hpp>
#include <cstdlib>
#include <string_view>

#include "dist/epmd_client.hpp"

namespace otp::epmd {

namespace asio = boost::asio;
using asio::ip::tcp;

std::uint16_t port() {
  constexpr std::uint16_t standard = 4369;
  const char* env = std::getenv("ERL_EPMD_PORT");
  if (env == nullptr) return standard;
  char* end = nullptr;
  const long value = std::strtol(env, &end, 10);
  return (*env != '\0' && *end == '\0' && value > 0 && value <= 65535) ? static_cast<std::uint16_t>(value) : standard;
}

lookup_result lookup(const std::string& host, const std::string& alive, std::chrono::milliseconds timeout) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(tcp::v4(), host, std::to_string(port()), ec);
  if (ec || endpoints.empty()) return {lookup_status::unresolvable};

  const std::string request = detail::dist::encode_port_please2_request(alive);
  constexpr std::size_t longest_answer = 512;  // PORT2_RESP is 14 bytes plus the node's name and extra
  std::string answer;                          // outlives the socket and the read pending on it
  tcp::socket socket(io);
  bool connected = false;
  asio::async_connect(socket, endpoints, [&](const boost::system::error_code& connect_ec, const tcp::endpoint&) {
    if (connect_ec) return;
    connected = true;
    asio::async_write(socket, asio::buffer(request), [&](const boost::system::error_code& write_ec, std::size_t) {
      if (write_ec) return;
      // EPMD closes the connection once it has answered.
      asio::async_read(socket, asio::dynamic_buffer(answer, longest_answer),
                       [](const boost::system::error_code&, std::size_t) {});
    });
  });
  io.run_for(timeout);
  if (!connected) return {lookup_status::no_epmd};
  // PORT2_RESP: 119, Result (0: registered), then the node's port and more.
  if (answer.size() < 2 || static_cast<unsigned char>(answer[0]) != 119 || answer[1] != 0)
    return {lookup_status::not_registered};
  try {
    return {lookup_status::registered, detail::dist::parse_port2_response(answer)};
  } catch (const detail::dist::epmd_error&) {
    return {lookup_status::registered, 0};
  }
}

}  // namespace otp::epmd
