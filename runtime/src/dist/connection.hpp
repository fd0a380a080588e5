// connection — one distribution channel to another node, after (or while) its handshake (private).
//
// Created pending by whoever first needs the node (a send, a link, a ping) or by an incoming
// handshake; signals for it queue until the handshake attaches a socket, then go out in order.
// Owned by net_kernel's table (and, while they run, by its IO coroutines and by scheduler threads
// that corked frames for it).
//
// Sending: any thread encodes its frame and appends it to the connection's output under the mutex.
// A running process's frames are corked until its thread has run what it had queued
// (scheduler_pool::defer_flush), so what its slices send (a reply and a demonitor, the requests of
// many callers, many replies) leaves in one write; other threads, or a cork over `cork_limit`,
// write at once. Writes are non-blocking, from the sending thread;
// what does not fit is written by the IO thread (net_kernel.hpp). The kernel's own thread flushes
// every connection now and then, for a process that computes long after a send. One mutex covers
// the output and the link/monitor tables, so a signal and the table entry it creates are
// consistent with going down: whatever was recorded before `close` gets its noconnection.
// A TLS connection that goes down with frames still queued (a cast right before the node stops)
// writes them first, then closes its socket, within setup_time; plain TCP makes one last
// non-blocking write instead.
// Receiving runs on the IO thread only: frames are split, decoded and turned into local signals.
// Ticks: the IO thread's timer sends one when nothing went out during a quarter of net_ticktime
// and closes the connection when nothing came in for four quarters.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dist/carrier.hpp"
#include "dist/framing.hpp"
#include "otp/term.hpp"
#include "processes/mailbox.hpp"
#include "processes/scheduler.hpp"

namespace otp::detail::dist {

class net_kernel;

class connection : public std::enable_shared_from_this<connection>, public deferred_flush {
 public:
  enum class state { pending, up, down };

  // Keeps `kernel` (and so its io_context) alive for as long as it lives: a scheduler thread's
  // deferred flush may hold it after the node stopped.
  connection(std::shared_ptr<net_kernel> kernel, atom peer, std::uint64_t attempt);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  atom peer() const noexcept { return peer_; }
  state current_state() const;
  bool hidden() const;
  std::uint32_t peer_creation() const;
  // Bytes written to and read from the peer's socket (frames, ticks, and the handshake's after it
  // was handed over), counted per write and per read, not per message.
  std::uint64_t bytes_sent() const noexcept { return bytes_sent_.load(std::memory_order_relaxed); }
  std::uint64_t bytes_received() const noexcept { return bytes_received_.load(std::memory_order_relaxed); }

  // Which handshake owns the setup (simultaneous connects hand it over). Kernel mutex held.
  std::uint64_t attempt() const noexcept { return attempt_; }
  void set_attempt(std::uint64_t a) noexcept { attempt_ = a; }

  // --- any thread ---------------------------------------------------------------------------
  // A signal for a pid of the peer (router.hpp); takes `e`. False once down, or for a stale pid.
  bool forward(const pid_parts& to, std::uint32_t to_creation, envelope* e);
  bool send_to_name(const term& from, atom name, const term& message);
  bool monitor_name(const term& watcher, atom name, const term& ref);
  void demonitor_name(const term& watcher, atom name, const term& ref);
  // A gen call by name: MONITOR_P and REG_SEND in one write.
  bool call_name(const term& caller, atom name, const term& ref, const term& message);
  // Writes what is corked or queued, if the IO thread is not writing already.
  void flush_now();
  void flush_deferred() override { flush_now(); }
  // Closes the connection (from any thread; the work happens on the IO thread).
  void close(std::string reason);
  // As close, and returns once it is down (never call it from the IO thread).
  void close_and_wait(std::string reason);

  // --- IO thread ----------------------------------------------------------------------------
  // The handshake succeeded: start reading, ticking and writing what queued meanwhile.
  void attach(carrier stream, std::uint64_t flags, std::uint32_t peer_creation, bool hidden);
  // The handshake failed: fail whatever waited for the node, and leave the table now, so the next
  // attempt (a ping right after) starts afresh.
  void fail(const std::string& reason) { do_close(reason); }

 private:
  struct out_monitor {
    term watcher;  // local pid
    term object;   // remote pid, or {Name, Node}
  };
  struct in_monitor {
    term target;   // local pid
    term watcher;  // remote pid
  };

  // Encodes and sends one control message; with `record`, runs it under the mutex first and
  // gives up (false) when the connection is down.
  template <class Record>
  bool send_control(const term& control, const term* message, Record&& record);
  bool enqueue(const std::string& frames);       // mutex held
  void write_output();                           // mutex held, up, not writing
  void flush();                                  // IO thread
  void do_close(const std::string& reason);      // IO thread
  void write_failed(const std::string& reason);  // IO thread
  void end_drain();                              // IO thread: closes the socket
  boost::asio::awaitable<void> read_loop(std::shared_ptr<connection> self);
  void arm_tick();
  void on_tick();
  void handle_payload(std::string_view payload);
  void report_dropped(const split_frame& frame);
  void handle_control(const control_frame& frame);
  void deliver_message(const term& to, term message, std::size_t wire_bytes);
  // SPAWN_REQUEST(_TT): spawns the process (remote_spawn.hpp) and answers SPAWN_REPLY first.
  void spawn_requested(const term& control, const term& args);
  void log_unhandled(std::int64_t op);

  const std::shared_ptr<net_kernel> kernel_owner_;
  net_kernel& kernel_;
  const atom peer_;
  std::uint64_t attempt_;

  mutable std::mutex mutex_;
  state state_ = state::pending;
  std::string output_;     // frames not written yet, whole or in part
  bool writing_ = false;   // the IO thread owns the socket's writes
  bool draining_ = false;  // TLS: down, but still writing what was queued before the close
  int fd_ = -1;            // for direct writes while up over plain TCP; -1 over TLS
  std::uint64_t flags_ = 0;
  std::uint32_t creation_ = 0;
  bool hidden_ = false;
  std::uint64_t unlink_id_ = 0;
  std::unordered_set<term, term_hash> links_;                      // {LocalPid, RemotePid}
  std::unordered_map<term, out_monitor, term_hash> out_monitors_;  // ref -> what a local process watches
  std::unordered_map<term, in_monitor, term_hash> in_monitors_;    // ref -> a remote process watching
  std::unordered_set<std::int64_t> logged_ops_;

  // IO thread only.
  std::unique_ptr<carrier> stream_;
  std::string writing_batch_;
  boost::asio::steady_timer tick_timer_;
  frame_splitter splitter_;
  int silent_ticks_ = 0;
  std::atomic<bool> sent_{false};
  std::atomic<bool> received_{false};
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::atomic<std::uint64_t> bytes_received_{0};
};

}  // namespace otp::detail::dist
