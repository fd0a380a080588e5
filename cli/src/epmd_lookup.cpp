// PORT_PLEASE2_REQ over Boost.Asio, bounded by a deadline.
#include "epmd_lookup.hpp"

#include <boost/asio.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace otpctl {

namespace asio = boost::asio;
using asio::ip::tcp;

unsigned short epmd_port() {
  constexpr unsigned short standard = 4369;
  const char* env = std::getenv("ERL_EPMD_PORT");
  if (env == nullptr) return standard;
  char* end = nullptr;
  const long port = std::strtol(env, &end, 10);
  return (*env != '\0' && *end == '\0' && port > 0 && port <= 65535) ? static_cast<unsigned short>(port) : standard;
}

epmd_answer epmd_lookup(const std::string& host, const std::string& alive, std::chrono::milliseconds timeout) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(tcp::v4(), host, std::to_string(epmd_port()), ec);
  if (ec || endpoints.empty()) return epmd_answer::unresolvable;

  // PORT_PLEASE2_REQ: Length:16, 122, Name. The answer starts 119 (PORT2_RESP), then Result:8,
  // 0 when the name is registered.
  std::string request(3, '\0');
  const std::size_t length = alive.size() + 1;
  request[0] = static_cast<char>((length >> 8) & 0xff);
  request[1] = static_cast<char>(length & 0xff);
  request[2] = static_cast<char>(122);
  request += alive;

  tcp::socket socket(io);
  std::string answer;
  bool connected = false;
  asio::async_connect(socket, endpoints, [&](const boost::system::error_code& connect_ec, const tcp::endpoint&) {
    if (connect_ec) return;
    connected = true;
    asio::async_write(socket, asio::buffer(request), [&](const boost::system::error_code& write_ec, std::size_t) {
      if (write_ec) return;
      asio::async_read(socket, asio::dynamic_buffer(answer), asio::transfer_at_least(2),
                       [](const boost::system::error_code&, std::size_t) {});
    });
  });
  io.run_for(timeout);
  if (!connected) return epmd_answer::no_epmd;
  if (answer.size() >= 2 && static_cast<std::uint8_t>(answer[0]) == 119 && answer[1] == 0)
    return epmd_answer::registered;
  return epmd_answer::not_registered;
}

}  // namespace otpctl
