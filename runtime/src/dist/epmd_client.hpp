// epmd_client — talking to EPMD, the Erlang port mapper.
//
// register_node: ALIVE2 over a socket the caller keeps open for as long as the node lives (EPMD
// forgets the name when it closes). When nothing answers on EPMD's port, the real `epmd -daemon`
// is started first and the connection retried for a few seconds, as erl does.
// port_please: PORT_PLEASE2 for a peer, as a coroutine on the IO thread. EPMD's port is
// otp::epmd::port() (otp/epmd.hpp) unless node::options say otherwise.
// The encode/parse functions are pure and throw epmd_error on a malformed answer.
// Thread-safety: register_node blocks its caller; port_please runs on the socket's executor.
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace otp::detail::dist {

struct epmd_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string encode_alive2_request(std::uint16_t listen_port, bool hidden, std::string_view alive);
// The creation from ALIVE2_X_RESP (or ALIVE2_RESP); throws epmd_error when EPMD refused the name.
std::uint32_t parse_alive2_response(std::string_view bytes);
std::string encode_port_please2_request(std::string_view alive);
// The port from PORT2_RESP; throws epmd_error when the name is unknown.
std::uint16_t parse_port2_response(std::string_view bytes);

// Connects `socket` to EPMD on 127.0.0.1 (starting epmd when needed), registers `alive` and
// returns the creation. Throws epmd_error.
std::uint32_t register_node(boost::asio::ip::tcp::socket& socket, std::uint16_t epmd_port, std::string_view alive,
                            std::uint16_t listen_port, bool hidden);

// Uses `socket` (closed or fresh) for the request; EPMD closes it after answering.
boost::asio::awaitable<std::uint16_t> port_please(boost::asio::ip::tcp::socket& socket, boost::asio::ip::address host,
                                                  std::uint16_t epmd_port, std::string alive);

}  // namespace otp::detail::dist
