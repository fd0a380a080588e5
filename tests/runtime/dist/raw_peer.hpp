// raw_peer: a distribution peer made of a plain socket, for the tests that must misbehave on the
// wire (stay silent, send garbage or oversized frames). It uses the runtime's own handshake codecs.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "dist/digest.hpp"
#include "dist/epmd_client.hpp"
#include "dist/flags.hpp"
#include "dist/handshake.hpp"
#include "otp/epmd.hpp"

namespace otp::dist_test {

class raw_peer {
 public:
  // Connects to `port` on `host` (an IPv4 address); throws when refused.
  explicit raw_peer(std::uint16_t port, const char* host = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, host, &address.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      throw std::runtime_error(std::string("raw_peer: cannot connect to ") + host);
    }
  }
  ~raw_peer() { ::close(fd_); }
  raw_peer(const raw_peer&) = delete;
  raw_peer& operator=(const raw_peer&) = delete;

  // The distribution port of `alive` on this host, from EPMD.
  static std::uint16_t port_of(const std::string& alive) {
    const otp::epmd::lookup_result found = otp::epmd::lookup("127.0.0.1", alive, std::chrono::seconds(3));
    if (found.status != otp::epmd::lookup_status::registered || found.port == 0)
      throw std::runtime_error("raw_peer: EPMD does not know " + alive);
    return found.port;
  }

  void send(const std::string& bytes) {
    if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
      throw std::runtime_error("raw_peer: send failed");
  }

  // Some bytes, or nullopt when the peer closed (or nothing came within `limit`).
  std::optional<std::string> recv_some(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return std::nullopt;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    return std::string(chunk, static_cast<std::size_t>(n));
  }

  std::string recv_exact(std::size_t n, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    while (buffer_.size() < n) {
      auto chunk = recv_some(limit);
      if (!chunk) throw std::runtime_error("raw_peer: connection closed or silent");
      buffer_ += *chunk;
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }

  std::string recv_packet2() {
    const std::string header = recv_exact(2);
    return recv_exact((static_cast<std::size_t>(static_cast<unsigned char>(header[0])) << 8) |
                      static_cast<unsigned char>(header[1]));
  }

  // True when the other side closes the connection within `limit` (whatever it sends before).
  // Counts the ticks (empty frames) it received meanwhile, passing over other frames (the node's
  // global and pg greet every visible node).
  bool closed_within(std::chrono::milliseconds limit, int* ticks = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;
      buffer_.append(chunk, static_cast<std::size_t>(n));
      while (ticks != nullptr && buffer_.size() >= 4) {
        std::size_t length = 0;
        for (std::size_t i = 0; i < 4; ++i) length = (length << 8) | static_cast<unsigned char>(buffer_[i]);
        if (buffer_.size() < 4 + length) break;
        buffer_.erase(0, 4 + length);
        if (length == 0) ++*ticks;
      }
    }
  }

  // True when the other side has closed the connection (checked now, without waiting).
  bool is_closed() {
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Sends send_name as the node `name` (a hidden node when `hidden` is set: not published).
  void send_name(const std::string& name) {
    using namespace detail::dist;
    const std::uint64_t published = hidden ? 0 : flags::published;
    send(packet2(encode_send_name({flags::mandatory | flags::mandatory_25_digest | published, 1, name})));
  }

  // Connect as a hidden node: the node's global and pg then send it nothing.
  bool hidden = false;

  // Completes the handshake as initiator named `name` with `cookie`; throws when refused. With
  // `replacing`, the node is expected to have a connection to `name` already (status alive) and is
  // told that it is stale.
  void handshake(const std::string& name, const std::string& cookie, const std::string& peer, bool replacing = false) {
    using namespace detail::dist;
    send_name(name);
    const std::string status = parse_status(recv_packet2());
    if (status != (replacing ? "alive" : "ok")) throw std::runtime_error("raw_peer: status " + status);
    if (replacing) send(packet2(encode_status("true")));
    const challenge_message challenge = parse_challenge(recv_packet2());
    if (challenge.name != peer) throw std::runtime_error("raw_peer: wrong peer " + challenge.name);
    send(packet2(encode_challenge_reply({1234, gen_digest(challenge.challenge, cookie)})));
    const digest ack = parse_challenge_ack(recv_packet2());
    if (!digests_equal(ack, gen_digest(1234, cookie))) throw std::runtime_error("raw_peer: bad ack");
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace otp::dist_test
