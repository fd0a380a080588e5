// http_server — a small HTTP/1.1 server on Boost.Beast (private to the observer library): one
// listening socket, one thread that accepts, and one thread per connection (an observer has a few
// clients: a browser or two and a Prometheus scraper).
//
// A GET whose path starts with `stream_prefix` is a server-sent-events stream: the connection
// gets a text/event-stream header and is handed to `on_stream`, which sends events until the
// client leaves or the server stops. Any other GET, HEAD or POST is answered by `on_request`
// (keep-alive honoured), which decides what each path accepts; any other method is 405.
//
// Limits: a request's header may take max_header_bytes and its body max_body_bytes; beyond them
// it is answered 431 or 413 and the connection closed, and no more than the limits is ever held
// (a body's declared length over the limit is refused before any of it is read). What the client
// still sends after such an answer is read and dropped, at most max_body_bytes of it and only
// while it keeps coming, so that it sees the answer rather than a reset connection.
//
// Ownership and thread-safety: the server owns its threads and sockets. The handlers run on the
// connection threads, several at once. The destructor stops the server: it closes the listener
// and every connection (a handler blocked in a send or a wait returns) and joins every thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace otp::observer::detail {

inline constexpr std::size_t max_header_bytes = 8 * 1024;
inline constexpr std::size_t max_body_bytes = 16 * 1024;

struct http_request {
  std::string method;         // GET, HEAD, POST
  std::string path;           // the target without its query
  std::string query;          // after '?', "" when none
  std::string authorization;  // the Authorization header, "" when none
  std::string body;           // "" when none
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more header fields (Allow, WWW-Authenticate)
};

// A server-sent-events connection as a stream handler sees it.
class event_stream {
 public:
  virtual ~event_stream() = default;
  // Sends one event (`data` may hold several lines); false once the client is gone or the server
  // stops.
  virtual bool send(std::string_view event, std::string_view data) = 0;
  // Waits `period` (the pace of the updates); false, at once, when the server stops.
  virtual bool pause(std::chrono::milliseconds period) = 0;
};

class http_server {
 public:
  using request_handler = std::function<http_response(const http_request&)>;
  using stream_handler = std::function<void(const http_request&, event_stream&)>;

  // Listens on address:port (port 0: any free one); throws std::system_error when it cannot.
  http_server(const std::string& address, std::uint16_t port, request_handler on_request, std::string stream_prefix,
              stream_handler on_stream);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }

 private:
  struct connection;
  void accept_loop();
  void serve(connection& c);
  void reap_finished();  // joins the threads of connections that ended (under mutex_)

  request_handler on_request_;
  std::string stream_prefix_;
  stream_handler on_stream_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool stopping_ = false;                        // guarded by mutex_
  std::list<std::unique_ptr<connection>> live_;  // guarded by mutex_
  std::thread acceptor_;
};

}  // namespace otp::observer::detail
