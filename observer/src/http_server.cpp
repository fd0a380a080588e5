// The HTTP server described in http_server.hpp: Beast's synchronous reads and writes, each
// connection on a thread of its own; stopping shuts the sockets down (shutdown(2) wakes a thread
// blocked on them) and joins the threads. Each request is read with a parser bounded by the limits.
#include "http_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <system_error>
#include <utility>

namespace otp::observer::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct http_server::connection : event_stream {
  connection(http_server& s, tcp::socket sock) : server(s), socket(std::move(sock)) {}

  bool send(std::string_view event, std::string_view data) override {
    std::string text = "event: " + std::string(event) + "\n";
    std::size_t start = 0;
    while (start <= data.size()) {
      const std::size_t end = data.find('\n', start);
      text += "data: ";
      text += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      text += "\n";
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    text += "\n";
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(text), ec);
    return !ec;
  }

  bool pause(std::chrono::milliseconds period) override {
    std::unique_lock lock(server.mutex_);
    return !server.stopped_cv_.wait_for(lock, period, [&] { return server.stopping_; });
  }

  http_server& server;
  tcp::socket socket;
  std::thread thread;
  bool finished = false;  // guarded by server.mutex_
};

namespace {

// The io_context every socket of every server is tied to; only synchronous operations are used,
// so it is never run.
asio::io_context& sockets_context() {
  static asio::io_context context;
  return context;
}

}  // namespace

http_server::http_server(const std::string& address, std::uint16_t port, request_handler on_request,
                         std::string stream_prefix, stream_handler on_stream)
    : on_request_(std::move(on_request)), stream_prefix_(std::move(stream_prefix)), on_stream_(std::move(on_stream)) {
  auto listener = std::make_shared<tcp::acceptor>(sockets_context());
  const tcp::endpoint endpoint(asio::ip::make_address(address), port);
  listener->open(endpoint.protocol());
  listener->set_option(tcp::acceptor::reuse_address(true));
  listener->bind(endpoint);
  listener->listen();
  port_ = listener->local_endpoint().port();
  listener_ = listener->native_handle();
  acceptor_ = std::thread([this, listener] {
    for (;;) {
      tcp::socket socket(sockets_context());
      boost::system::error_code ec;
      listener->accept(socket, ec);
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      reap_finished();
      if (ec) continue;
      auto& c = *live_.emplace_back(std::make_unique<connection>(*this, std::move(socket)));
      c.thread = std::thread([this, &c] {
        serve(c);
        std::lock_guard done(mutex_);
        c.finished = true;
      });
    }
  });
}

http_server::~http_server() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    for (auto& c : live_) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
  }
  stopped_cv_.notify_all();
  acceptor_.join();
  // No thread adds to live_ any more; each connection thread ends once its socket fails.
  for (auto& c : live_)
    if (c->thread.joinable()) c->thread.join();
}

void http_server::reap_finished() {
  for (auto it = live_.begin(); it != live_.end();) {
    if ((*it)->finished) {
      (*it)->thread.join();
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
}

namespace {

// After an answer that ends a connection early (a request over a limit): ends this side, then reads
// and drops what the client still sends — at most max_body_bytes, and only while it keeps coming
// — so that the client reads the answer instead of a reset connection.
void drain(tcp::socket& socket) {
  const int fd = socket.native_handle();
  ::shutdown(fd, SHUT_WR);
  constexpr int patience_ms = 1000;
  char scratch[4096];
  for (std::size_t dropped = 0; dropped < max_body_bytes;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, patience_ms) != 1) return;
    const ssize_t n = ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
    if (n <= 0) return;
    dropped += static_cast<std::size_t>(n);
  }
}

}  // namespace

void http_server::serve(connection& c) {
  // Room for one request at its limits and no more: a read past it fails (buffer_overflow).
  boost::beast::flat_buffer buffer(max_header_bytes + max_body_bytes);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(max_body_bytes);
    boost::system::error_code ec;
    http::read(c.socket, buffer, parser, ec);
    if (ec == http::error::header_limit || ec == http::error::body_limit) {
      const bool header = ec == http::error::header_limit;
      http::response<http::string_body> res{
          header ? http::status::request_header_fields_too_large : http::status::payload_too_large, 11};
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.keep_alive(false);
      res.body() = header ? "the request's header is over " + std::to_string(max_header_bytes) + " bytes\n"
                          : "the request's body is over " + std::to_string(max_body_bytes) + " bytes\n";
      res.prepare_payload();
      http::write(c.socket, res, ec);
      if (!ec) drain(c.socket);
      return;
    }
    if (ec) return;
    http::request<http::string_body>& req = parser.get();
    http_request r;
    r.method = std::string(req.method_string());
    const std::string_view target = req.target();
    const std::size_t q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    r.authorization = std::string(req[http::field::authorization]);
    r.body = std::move(req.body());
    const bool reads = req.method() == http::verb::get || req.method() == http::verb::head;
    http_response answer;
    if (!reads && req.method() != http::verb::post) {
      answer = {
          405, "text/plain; charset=utf-8", "only GET, HEAD and POST are served\n", {{"Allow", "GET, HEAD, POST"}}};
    } else if (reads && !stream_prefix_.empty() && r.path.starts_with(stream_prefix_)) {
      const std::string header =
          "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
          "Connection: close\r\n\r\n";
      asio::write(c.socket, asio::buffer(header), ec);
      if (!ec && req.method() == http::verb::get) on_stream_(r, c);
      return;
    } else {
      try {
        answer = on_request_(r);
      } catch (const std::exception& e) {
        answer = {500, "text/plain; charset=utf-8", std::string(e.what()) + "\n", {}};
      }
    }
    http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
    res.set(http::field::content_type, answer.content_type);
    res.set(http::field::cache_control, "no-cache");
    for (const auto& [field, value] : answer.headers) res.set(field, value);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(answer.body);
    res.prepare_payload();
    if (req.method() == http::verb::head) {
      http::response_serializer<http::string_body> head(res);
      http::write_header(c.socket, head, ec);
    } else {
      http::write(c.socket, res, ec);
    }
    if (ec || !res.keep_alive()) return;
  }
}

}  // namespace otp::observer::detail
