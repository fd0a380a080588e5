#include "dist/rate_limited_log.hpp"

#include <utility>

#include "otp/log.hpp"

namespace otp::detail::dist {

namespace {
constexpr std::chrono::seconds window{1};
}

rate_limited_log::rate_limited_log(boost::asio::io_context& io, std::size_t per_second, std::string what)
    : timer_(io), per_second_(per_second), what_(std::move(what)) {}

void rate_limited_log::warn(std::string_view line) {
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= window) {
    write_summary();
    timer_.cancel();
    window_start_ = now;
    written_ = 0;
  }
  if (written_ < per_second_) {
    ++written_;
    log::write(log::level::warning, line);
    return;
  }
  if (suppressed_++ == 0) {
    timer_.expires_at(window_start_ + window);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) write_summary();
    });
  }
}

void rate_limited_log::stop() {
  write_summary();
  timer_.cancel();
}

void rate_limited_log::write_summary() {
  if (suppressed_ == 0) return;
  log::write(log::level::warning,
             "dist: " + std::to_string(suppressed_) + " more " + what_ + " in the last second were not logged");
  suppressed_ = 0;
}

}  // namespace otp::detail::dist
