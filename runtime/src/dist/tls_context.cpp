#include "dist/tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <fstream>

namespace otp::detail::dist {

namespace ssl = boost::asio::ssl;

namespace {

// Throws tls_setup_error when `file` cannot be opened, so a typo gets the system's reason rather
// than OpenSSL's.
void check_readable(const char* what, const std::filesystem::path& file) {
  if (file.empty()) throw tls_setup_error(std::string("no TLS ") + what + " file given");
  std::ifstream in(file);
  if (!in) throw tls_setup_error(std::string("cannot read the TLS ") + what + " file " + file.string());
}

template <class Load>
void load(const char* what, const std::filesystem::path& file, Load&& action) {
  check_readable(what, file);
  boost::system::error_code ec;
  action(file.string(), ec);
  if (ec)
    throw tls_setup_error(std::string("cannot use the TLS ") + what + " file " + file.string() + ": " + ec.message());
}

}  // namespace

tls_context::tls_context(const node::tls_options& options)
    : context_(ssl::context::tls), verify_peer_(options.verify_peer) {
  context_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  load("certificate", options.certificate_file,
       [&](const std::string& f, boost::system::error_code& ec) { context_.use_certificate_chain_file(f, ec); });
  // OpenSSL refuses a key that is not the certificate's ("key values mismatch").
  load("key", options.key_file, [&](const std::string& f, boost::system::error_code& ec) {
    context_.use_private_key_file(f, ssl::context::pem, ec);
  });
  if (verify_peer_ || !options.ca_file.empty()) {
    load("CA", options.ca_file,
         [&](const std::string& f, boost::system::error_code& ec) { context_.load_verify_file(f, ec); });
  }
}

void tls_context::prepare(tls_stream& stream, bool as_client, const std::string& host) const {
  if (!verify_peer_) {
    stream.set_verify_mode(ssl::verify_none);
    return;
  }
  if (as_client) {
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification(host));
  } else {
    stream.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
}

std::string tls_failure(tls_stream& stream, const boost::system::error_code& ec) {
  std::string reason = ec.message();
  if (ec.category() != boost::asio::error::get_ssl_category() || ec == ssl::error::stream_truncated)
    reason += " (the peer does not use TLS distribution, or refused this node's certificate)";
  const long verified = SSL_get_verify_result(stream.native_handle());
  if (verified != X509_V_OK)
    reason += " (peer certificate: " + std::string(X509_verify_cert_error_string(verified)) + ")";
  return reason;
}

}  // namespace otp::detail::dist
