#include "dist/epmd_client.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "terms/big_endian.hpp"

namespace otp::detail::dist {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

extern "C" char** environ;

namespace {

using detail::put_u16;

std::uint32_t get(std::string_view bytes, std::size_t at, std::size_t n) {
  return static_cast<std::uint32_t>(detail::get_big_endian(bytes, at, n));
}

std::string with_length(const std::string& request) {
  std::string out;
  put_u16(out, static_cast<std::uint32_t>(request.size()));
  return out + request;
}

// `epmd -daemon`: it forks into the background and its first process exits at once.
void start_epmd_daemon() {
  const char* argv[] = {"epmd", "-daemon", nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "epmd", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0)
    throw epmd_error("no EPMD answers and `epmd -daemon` could not be started (is erlang-base installed?)");
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

std::string encode_alive2_request(std::uint16_t listen_port, bool hidden, std::string_view alive) {
  std::string r(1, static_cast<char>(120));
  put_u16(r, listen_port);
  r.push_back(static_cast<char>(hidden ? 72 : 77));
  r.push_back(0);  // TCP/IPv4
  put_u16(r, 6);   // highest version
  put_u16(r, 6);   // lowest: OTP 25 accepts nothing older
  put_u16(r, static_cast<std::uint32_t>(alive.size()));
  r.append(alive);
  put_u16(r, 0);  // no extra
  return with_length(r);
}

std::uint32_t parse_alive2_response(std::string_view bytes) {
  if (bytes.size() >= 2 &&
      (static_cast<unsigned char>(bytes[0]) == 118 || static_cast<unsigned char>(bytes[0]) == 121)) {
    const bool extended = static_cast<unsigned char>(bytes[0]) == 118;
    if (bytes[1] != 0) throw epmd_error("EPMD refused the name (result " + std::to_string(bytes[1]) + "): in use?");
    if (bytes.size() == (extended ? 6u : 4u)) return get(bytes, 2, extended ? 4 : 2);
  }
  throw epmd_error("malformed ALIVE2 response from EPMD");
}

std::string encode_port_please2_request(std::string_view alive) {
  std::string r(1, static_cast<char>(122));
  r.append(alive);
  return with_length(r);
}

std::uint16_t parse_port2_response(std::string_view bytes) {
  if (bytes.size() < 2 || static_cast<unsigned char>(bytes[0]) != 119)
    throw epmd_error("malformed PORT_PLEASE2 response from EPMD");
  if (bytes[1] != 0) throw epmd_error("not registered with EPMD");
  if (bytes.size() < 12) throw epmd_error("truncated PORT_PLEASE2 response from EPMD");
  const std::uint32_t highest = get(bytes, 6, 2);
  const std::uint32_t lowest = get(bytes, 8, 2);
  if (highest < 6 || lowest > 6) throw epmd_error("the node does not speak distribution version 6");
  return static_cast<std::uint16_t>(get(bytes, 2, 2));
}

std::uint32_t register_node(tcp::socket& socket, std::uint16_t epmd_port, std::string_view alive,
                            std::uint16_t listen_port, bool hidden) {
  const tcp::endpoint epmd(asio::ip::address_v4::loopback(), epmd_port);
  boost::system::error_code ec;
  socket.connect(epmd, ec);
  if (ec == asio::error::connection_refused) {
    start_epmd_daemon();
    // Wait for the daemon to listen: erl retries the same way.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    do {
      socket.close();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      socket.connect(epmd, ec);
    } while (ec && std::chrono::steady_clock::now() < deadline);
  }
  if (ec) throw epmd_error("cannot reach EPMD on port " + std::to_string(epmd_port) + ": " + ec.message());
  asio::write(socket, asio::buffer(encode_alive2_request(listen_port, hidden, alive)), ec);
  std::string answer(6, '\0');
  std::size_t got = 0;
  if (!ec) got = asio::read(socket, asio::buffer(answer), asio::transfer_at_least(2), ec);
  while (!ec && got >= 1 && static_cast<unsigned char>(answer[0]) == 118 && got < 6)
    got += asio::read(socket, asio::buffer(answer.data() + got, 6 - got), ec);
  if (ec && got < 2) throw epmd_error("EPMD closed the registration: " + ec.message());
  if (got >= 1 && static_cast<unsigned char>(answer[0]) == 121)
    answer.resize(std::min<std::size_t>(got, 4));
  else
    answer.resize(got);
  return parse_alive2_response(answer);
}

asio::awaitable<std::uint16_t> port_please(tcp::socket& socket, asio::ip::address host, std::uint16_t epmd_port,
                                           std::string alive) {
  // Named locals only around co_await (GCC 12 destroys some temporaries there twice).
  const tcp::endpoint epmd(host, epmd_port);
  co_await socket.async_connect(epmd, asio::use_awaitable);
  const std::string request = encode_port_please2_request(alive);
  const auto request_buffer = asio::buffer(request);
  co_await asio::async_write(socket, request_buffer, asio::use_awaitable);
  std::string answer;
  char chunk[512];
  for (;;) {
    const auto chunk_buffer = asio::buffer(chunk);
    auto [ec, n] = co_await socket.async_read_some(chunk_buffer, asio::as_tuple(asio::use_awaitable));
    answer.append(chunk, n);
    if (ec) break;  // EPMD closes after answering
    if (answer.size() > 4096) throw epmd_error("PORT_PLEASE2 response too long");
  }
  boost::system::error_code ignored;
  socket.close(ignored);
  co_return parse_port2_response(answer);
}

}  // namespace otp::detail::dist
