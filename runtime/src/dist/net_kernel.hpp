// net_kernel — the running node: its name, cookie, EPMD registration, listener, IO thread and the
// table of connections (private; the public face is otp/node.hpp).
//
// One exists while the node is alive; `current()` hands out shared ownership so a signal being
// forwarded keeps it valid while `shutdown` runs. All socket work is done by the handlers of one
// Asio io_context: the accept loop, both handshake flows (C++20 coroutines with a setup timer),
// every connection's reads and ticks, and writes that could not be done straight away. Its event
// loop is run by one thread at a time, "the IO thread" below: an idle scheduler thread holding the
// idle_poller turn, so a frame and the process it wakes are handled by one woken thread (see
// idle_poller.hpp); or, when no scheduler thread has polled for a while (all busy), the kernel's
// own thread, which also runs it alone during shutdown. Other threads only post to it and write
// frames through connection::forward.
//
// A TLS node (node::tls_options) runs the TLS handshake on every connection, accepted or opened,
// before the distribution handshake; its connections then read and write through the TLS layer
// (carrier.hpp).
// Each connection owns a share of its kernel, so the io_context outlives every connection; the
// table drops them as they go down, so a stopped kernel ends with its last connection.
// The connection table is keyed by node name. A node has at most one connection; simultaneous
// connects are resolved as OTP does (the greater name keeps its own attempt).
// An incoming handshake keeps the peer's name as a string, and touches neither the table nor the
// atom table, until the peer proved the cookie; only then does it take its place in the table (and
// replace a connection the peer said was stale, as OTP 25 does). Incoming handshakes are capped
// (pending_handshakes.hpp) and must end within setup_time; rejections are logged rate-limited.
// The kernel's members are defined in two files: net_kernel.cpp (start, shutdown, the IO thread,
// the table, node monitors) and connection_setup.cpp (the accept loop and the handshakes); the
// router (router.cpp) and otp::node (node.cpp) are built on it.
// Thread-safety: every public member may be called from any thread.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dist/connection.hpp"
#include "dist/pending_handshakes.hpp"
#include "dist/rate_limited_log.hpp"
#include "dist/tls_context.hpp"
#include "otp/node.hpp"
#include "otp/term.hpp"
#include "processes/idle_poller.hpp"

namespace otp::detail::dist {

// "alive@host" as {"alive", "host"}.
std::pair<std::string, std::string> split_node_name(std::string_view full);

class net_kernel : public std::enable_shared_from_this<net_kernel> {
 public:
  net_kernel(node::options options, std::string full_name, std::string cookie);
  ~net_kernel();
  net_kernel(const net_kernel&) = delete;
  net_kernel& operator=(const net_kernel&) = delete;

  // Registers with EPMD (throws node::start_error), listens, starts the IO thread.
  void start();
  // Closes every connection, unregisters, stops the IO thread. Idempotent.
  void shutdown();

  static std::shared_ptr<net_kernel> current();
  static void set_current(std::shared_ptr<net_kernel> k);

  atom name() const noexcept { return name_; }
  std::uint32_t creation() const noexcept { return creation_; }
  const std::string& cookie() const noexcept { return cookie_; }
  const node::options& options() const noexcept { return options_; }
  // Messages over max_message_size, logged at a bounded rate (IO thread, or the idle poller's turn).
  rate_limited_log& dropped_messages() noexcept { return dropped_messages_; }
  boost::asio::io_context& io() noexcept { return io_; }
  std::uint64_t our_flags() const noexcept;

  // The connection to `node`: an existing one, or (with `connect`) a new pending one whose setup
  // starts now. nullptr for this node itself, or when none exists and `connect` is false.
  std::shared_ptr<connection> get(atom node, bool connect);
  std::vector<std::shared_ptr<connection>> connections() const;
  // Why the last connection attempt this node made to `node` failed; empty when none failed.
  std::string last_failure(atom node) const;

  // Called by connections (IO thread).
  void connection_up(const std::shared_ptr<connection>& c);
  void connection_down(const std::shared_ptr<connection>& c, bool was_up);

  void monitor_node(const term& pid, atom node, bool on);
  void monitor_nodes(const term& pid, bool on, bool include_hidden);

  // A pid to name as the sender of signals that come from no process.
  const term& kernel_pid() const noexcept { return kernel_pid_; }
  void set_kernel_pid(term pid) { kernel_pid_ = std::move(pid); }
  // The otp_code_push server (code_push.hpp), ended with the node.
  const term& code_push_pid() const noexcept { return code_push_pid_; }
  void set_code_push_pid(term pid) { code_push_pid_ = std::move(pid); }
  const term& rex_pid() const noexcept { return rex_pid_; }
  void set_rex_pid(term pid) { rex_pid_ = std::move(pid); }

 private:
  boost::asio::awaitable<void> accept_loop();
  // The connection to the node named `name`, without making an atom of it. mutex_ held.
  std::shared_ptr<connection> find_locked(std::string_view name) const;
  // An incoming handshake (`attempt`) from `name` ends: it no longer counts as under way. The
  // second returns the connection it leaves pending with no handshake to finish it (a local send
  // waited for it), for the caller to fail.
  void forget_accepting_locked(const std::string& name, std::uint64_t attempt);
  std::shared_ptr<connection> end_accepting(const std::string& name, std::uint64_t attempt);
  boost::asio::awaitable<void> accept_handshake(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> connect_handshake(std::shared_ptr<connection> c, std::uint64_t attempt);
  void register_with_epmd();
  void io_thread_main();
  void notify(atom node, bool up, bool hidden);

  node::options options_;
  std::string full_name_;
  atom name_;
  std::string cookie_;
  std::uint32_t creation_ = 0;
  std::unique_ptr<tls_context> tls_;  // set by start when the node uses TLS; then read-only
  term kernel_pid_;
  term code_push_pid_;
  term rex_pid_;

  // The io_context's event loop, as scheduler threads poll it.
  class io_poller final : public idle_poller {
   public:
    explicit io_poller(boost::asio::io_context& io) : io_(io) {}
    bool poll(std::chrono::microseconds limit) override { return io_.run_one_for(limit) != 0; }
    bool poll_ready() override { return io_.poll_one() != 0; }
    void interrupt() override {
      boost::asio::post(io_, [] {});
    }

   private:
    bool poll_one_event() override { return io_.run_one() != 0; }
    boost::asio::io_context& io_;
  };

  // Before io_: the handshakes destroyed with it (the node stopping) leave it last.
  pending_handshakes pending_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  io_poller poller_{io_};
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_backoff_;  // the accept loop waits on it when out of descriptors
  rate_limited_log rejections_;
  rate_limited_log dropped_messages_;
  boost::asio::ip::tcp::socket epmd_;  // open while registered: closing it unregisters
  std::thread thread_;                 // the kernel's own IO thread (io_thread_main)
  std::mutex thread_mutex_;
  std::condition_variable thread_cv_;
  bool thread_takes_over_ = false;    // guarded by thread_mutex_: shutting down
  std::atomic<bool> running_{false};  // read by forwarding threads

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::uint32_t, std::shared_ptr<connection>> connections_;  // atom index ->
  std::uint64_t next_attempt_ = 1;
  // Why each node this one failed to connect to (by atom index) failed last: nodes this node chose
  // to reach, so the map is as small as its own list of peers.
  std::unordered_map<std::uint32_t, std::string> last_failures_;
  // Incoming handshakes under way for a name no connection had: name -> their attempts. A local
  // send to that name waits for them (its pending connection takes one's attempt) rather than
  // connecting too. Entries end with their handshakes, so the peer's claim outlives nothing.
  std::unordered_map<std::string, std::vector<std::uint64_t>> accepting_;
  std::vector<std::pair<term, atom>> node_watchers_;  // monitor_node(Node, true), one entry each
  struct subscriber {
    term pid;
    bool hidden = false;
  };
  std::vector<subscriber> subscribers_;  // monitor_nodes(true)
};

}  // namespace otp::detail::dist
