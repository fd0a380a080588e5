#include "dist/carrier.hpp"

#include "dist/handshake.hpp"

namespace otp::detail::dist {

namespace asio = boost::asio;

carrier::~carrier() = default;

asio::awaitable<void> carrier::secure(tls_context& context, bool as_client, const std::string& host) {
  tls_ = std::make_unique<tls_stream>(std::move(plain_), context.native());
  context.prepare(*tls_, as_client, host);
  const auto role = as_client ? asio::ssl::stream_base::client : asio::ssl::stream_base::server;
  auto [ec] = co_await tls_->async_handshake(role, asio::as_tuple(asio::use_awaitable));
  if (ec) throw handshake_error("TLS handshake failed: " + tls_failure(*tls_, ec));
}

void carrier::close() noexcept {
  boost::system::error_code ignored;
  socket().close(ignored);
}

}  // namespace otp::detail::dist
