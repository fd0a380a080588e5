// tls_context — a TLS node's certificate, key and trusted CAs, loaded once at node start (private).
//
// Built by net_kernel from node::tls_options; one OpenSSL context serves both roles (the node
// accepts and connects with the same certificate). `secure_stream` hands each new connection its
// peer checks: as server, a client certificate chaining to the CA is required; as client, the
// server's certificate must chain to the CA and name the host the node name gives. Construction
// throws tls_setup_error naming the file it could not use and OpenSSL's reason.
// Thread-safety: immutable once built; used from the IO thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <stdexcept>
#include <string>

#include "otp/node.hpp"

namespace otp::detail::dist {

class tls_setup_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

class tls_context {
 public:
  explicit tls_context(const node::tls_options& options);
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  boost::asio::ssl::context& native() noexcept { return context_; }
  // Sets the peer checks of a stream this node accepted (as_client false) or opened to the node
  // on `host` (as_client true).
  void prepare(tls_stream& stream, bool as_client, const std::string& host) const;

 private:
  boost::asio::ssl::context context_;
  bool verify_peer_;
};

// Why a TLS handshake failed, for a log line: OpenSSL's reason, with the certificate check's own
// (e.g. "certificate has expired") when that is what failed.
std::string tls_failure(tls_stream& stream, const boost::system::error_code& ec);

}  // namespace otp::detail::dist
