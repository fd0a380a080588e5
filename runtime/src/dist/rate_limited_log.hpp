// rate_limited_log — warnings that a peer can cause at will (rejected connection attempts, the
// accept loop out of descriptors), written at most `per_second` a second; the rest are counted,
// and one line says how many were left out once their second is over.
//
// Owned by net_kernel; its timer runs on the node's event loop, which must outlive it.
// Not thread-safe: used by the handlers of that event loop, which run one at a time.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace otp::detail::dist {

class rate_limited_log {
 public:
  // `what` names the lines in the summary: "N more <what> in the last second were not logged".
  rate_limited_log(boost::asio::io_context& io, std::size_t per_second, std::string what);

  void warn(std::string_view line);
  // Writes the summary of what is left out now (the node stops) and cancels the timer.
  void stop();

 private:
  void write_summary();

  boost::asio::steady_timer timer_;
  std::size_t per_second_;
  std::string what_;
  std::chrono::steady_clock::time_point window_start_{};
  std::size_t written_ = 0;
  std::size_t suppressed_ = 0;
};

}  // namespace otp::detail::dist
