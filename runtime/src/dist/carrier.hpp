// carrier — the byte stream of one distribution connection: a TCP socket, or TLS over it (private).
//
// Made plain for every handshake; `secure` then wraps the connected socket in TLS and runs the TLS
// handshake (a TLS node does so before the first byte of the distribution handshake, as Erlang's
// inet_tls_dist does). Reads and writes go to whichever layer is on top: a branch per call, no
// virtual dispatch. A plain carrier also lends its descriptor for direct non-blocking writes from
// any thread (connection.cpp); a TLS one is written only through `async_write`.
// Owned by a handshake's setup state, then by its connection; movable, not copyable.
// Thread-safety: none; used from the IO thread (connection.cpp's direct writes excepted).
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <string>

#include "dist/tls_context.hpp"

namespace otp::detail::dist {

class carrier {
 public:
  explicit carrier(boost::asio::io_context& io) : plain_(io) {}
  carrier(carrier&&) noexcept = default;
  carrier& operator=(carrier&&) noexcept = default;
  ~carrier();

  // The TCP socket (under TLS once secured).
  boost::asio::ip::tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : plain_; }
  bool secured() const noexcept { return tls_ != nullptr; }

  // Wraps the connected socket in TLS and runs the TLS handshake: as the client of the node on
  // `host` (whose certificate must name it), or as the server. Throws handshake_error with the
  // reason (tls_failure) when it fails.
  boost::asio::awaitable<void> secure(tls_context& context, bool as_client, const std::string& host);

  template <class Token>
  auto async_read_some(boost::asio::mutable_buffer buffer, Token&& token) {
    if (tls_) return tls_->async_read_some(buffer, std::forward<Token>(token));
    return plain_.async_read_some(buffer, std::forward<Token>(token));
  }
  template <class Buffer, class Token>
  auto async_read(const Buffer& buffer, Token&& token) {
    if (tls_) return boost::asio::async_read(*tls_, buffer, std::forward<Token>(token));
    return boost::asio::async_read(plain_, buffer, std::forward<Token>(token));
  }
  template <class Buffer, class Token>
  auto async_write(const Buffer& buffer, Token&& token) {
    if (tls_) return boost::asio::async_write(*tls_, buffer, std::forward<Token>(token));
    return boost::asio::async_write(plain_, buffer, std::forward<Token>(token));
  }

  // Closes the socket: pending operations end with operation_aborted. No TLS close_notify.
  void close() noexcept;

 private:
  boost::asio::ip::tcp::socket plain_;  // moved into tls_ by `secure`
  std::unique_ptr<tls_stream> tls_;
};

}  // namespace otp::detail::dist
