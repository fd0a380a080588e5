#include "dist/connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <future>

#include "dist/flags.hpp"
#include "dist/net_kernel.hpp"
#include "dist/remote_spawn.hpp"
#include "otp/external_format.hpp"
#include "otp/log.hpp"
#include "otp/node_table.hpp"
#include "otp/term_text.hpp"
#include "processes/process_control_block.hpp"
#include "processes/registry.hpp"

namespace otp::detail::dist {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Control message operations (Erlang's erl_dist_protocol).
enum op : std::int64_t {
  op_link = 1,
  op_send = 2,
  op_exit = 3,
  op_unlink = 4,
  op_reg_send = 6,
  op_exit2 = 8,
  op_monitor_p = 19,
  op_demonitor_p = 20,
  op_monitor_p_exit = 21,
  op_send_sender = 22,
  op_payload_exit = 24,
  op_payload_exit2 = 26,
  op_payload_monitor_p_exit = 28,
  op_spawn_request = 29,
  op_spawn_request_tt = 30,
  op_spawn_reply = 31,
  op_alias_send = 33,
  op_unlink_id = 35,
  op_unlink_id_ack = 36,
};

const atom empty_atom("");

// SPAWN_REPLY's flags: what was set up for the parent.
constexpr std::int64_t spawn_reply_linked = 1;
constexpr std::int64_t spawn_reply_monitored = 2;

// Spawn options erts accepts that mean nothing here (heap sizes, priorities, ...); any other
// option is refused with badopt, as erts does.
bool is_ignored_spawn_option(const term& option) {
  static const atom ignored[] = {atom("priority"),           atom("fullsweep_after"), atom("min_heap_size"),
                                 atom("min_bin_vheap_size"), atom("max_heap_size"),   atom("message_queue_data"),
                                 atom("async_dist"),         atom("reply"),           atom("reply_tag")};
  const term& key = option.is_tuple(2) ? option[0] : option;
  return std::any_of(std::begin(ignored), std::end(ignored), [&](atom a) { return key.is_atom(a); });
}

// A process's corked frames are written at once when they reach this size.
constexpr std::size_t cork_limit = 64 * 1024;

bool is_local_pid(const term& t) { return t.is_pid() && t.as_pid().node == node_table::local_index; }

// Delivers a signal to a local pid; false when it is not alive (or not local).
bool deliver(const term& to, signal_kind kind, term from, term payload, term ref = term(), bool linked = false,
             std::size_t wire_bytes = 0) {
  if (!is_local_pid(to)) return false;
  envelope* e = make_envelope(kind, std::move(from), std::move(payload), std::move(ref));
  e->linked = linked;
  e->wire_bytes = static_cast<std::uint32_t>(wire_bytes);  // frames are under 4 GiB
  return send_signal(to.as_pid(), e);
}

}  // namespace

connection::connection(std::shared_ptr<net_kernel> kernel, atom peer, std::uint64_t attempt)
    : kernel_owner_(std::move(kernel)),
      kernel_(*kernel_owner_),
      peer_(peer),
      attempt_(attempt),
      tick_timer_(kernel_.io()),
      splitter_(kernel_.options().max_message_size) {}

connection::~connection() = default;

connection::state connection::current_state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

bool connection::hidden() const {
  std::lock_guard lock(mutex_);
  return hidden_;
}

std::uint32_t connection::peer_creation() const {
  std::lock_guard lock(mutex_);
  return creation_;
}

// --- sending ----------------------------------------------------------------------------------

bool connection::enqueue(const std::string& frames) {
  if (state_ == state::down) return false;
  output_.append(frames);
  if (state_ != state::up || writing_) return true;  // the IO thread writes it (after the handshake, or next)
  if (output_.size() < cork_limit && scheduler_pool::defer_flush(shared_from_this())) return true;
  write_output();
  return true;
}

void connection::write_output() {
  sent_.store(true, std::memory_order_relaxed);
  if (fd_ >= 0) {  // plain TCP
    const ssize_t n = ::send(fd_, output_.data(), output_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) bytes_sent_.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
    if (n == static_cast<ssize_t>(output_.size())) {
      output_.clear();
      return;
    }
    if (n > 0) output_.erase(0, static_cast<std::size_t>(n));
  }
  // TLS, EAGAIN or an error: the IO thread writes the rest (and sees the error, if any).
  writing_ = true;
  asio::post(kernel_.io(), [self = shared_from_this()] { self->flush(); });
}

void connection::flush_now() {
  std::lock_guard lock(mutex_);
  if (state_ == state::up && !writing_ && !output_.empty()) write_output();
}

template <class Record>
bool connection::send_control(const term& control, const term* message, Record&& record) {
  std::string frame;
  encode_frame(frame, control, message);
  std::lock_guard lock(mutex_);
  if (state_ == state::down) return false;
  record();
  return enqueue(frame);
}

void connection::flush() {
  bool drained = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ != state::up && !draining_) return;
    if (output_.empty()) {
      writing_ = false;
      if (!draining_) return;
      draining_ = false;  // all written: the close can end
      drained = true;
    } else {
      writing_batch_.clear();
      writing_batch_.swap(output_);
    }
  }
  if (drained) return end_drain();
  sent_.store(true, std::memory_order_relaxed);
  stream_->async_write(asio::buffer(writing_batch_),
                       [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                         self->bytes_sent_.fetch_add(n, std::memory_order_relaxed);
                         if (ec) return self->write_failed("write failed: " + ec.message());
                         self->writing_batch_.clear();
                         self->flush();
                       });
}

void connection::write_failed(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    writing_ = false;
    draining_ = false;
    output_.clear();
  }
  do_close(reason);  // nothing left to drain
  end_drain();       // when it was closed already, draining
}

void connection::end_drain() {
  stream_->close();
  tick_timer_.cancel();
}

bool connection::forward(const pid_parts& to_parts, std::uint32_t to_creation, envelope* raw) {
  envelope_ptr e(raw);
  const term to = term::make_pid(to_parts);
  {
    std::lock_guard lock(mutex_);
    if (state_ == state::up && to_creation != creation_) return false;  // a pid of an earlier incarnation
  }
  switch (e->kind) {
    case signal_kind::message:
    case signal_kind::alias_message: {
      const term control = tuple(op_send, empty_atom, to);
      return send_control(control, &e->payload, [] {});
    }
    case signal_kind::call: {
      // A gen call to a remote pid: the monitor, then the request.
      const term ref = e->ref;
      const term from = e->from;
      std::string frame;
      encode_frame(frame, tuple(op_monitor_p, from, to, ref), nullptr);
      encode_frame(frame, tuple(op_send, empty_atom, to), &e->payload);
      std::lock_guard lock(mutex_);
      if (state_ == state::down) return false;
      out_monitors_[ref] = out_monitor{from, to};
      return enqueue(frame);
    }
    case signal_kind::exit: {
      if (!e->from.is_pid()) return false;
      if (e->linked) {
        const term key = tuple(e->from, to);
        return send_control(tuple(op_exit, e->from, to, e->payload), nullptr, [&] { links_.erase(key); });
      }
      return send_control(tuple(op_exit2, e->from, to, e->payload), nullptr, [] {});
    }
    case signal_kind::link: {
      const term key = tuple(e->from, to);
      return send_control(tuple(op_link, e->from, to), nullptr, [&] { links_.insert(key); });
    }
    case signal_kind::unlink: {
      const term key = tuple(e->from, to);
      std::string frame;
      std::lock_guard lock(mutex_);
      if (state_ == state::down) return false;
      links_.erase(key);
      // Before the handshake the flags are unknown: every peer this node accepts knows UNLINK_ID.
      if (state_ == state::pending || (flags_ & flags::unlink_id) != 0)
        encode_frame(frame, tuple(op_unlink_id, static_cast<std::int64_t>(++unlink_id_), e->from, to), nullptr);
      else
        encode_frame(frame, tuple(op_unlink, e->from, to), nullptr);
      return enqueue(frame);
    }
    case signal_kind::monitor: {
      const term ref = e->ref;
      const out_monitor m{e->from, to};
      return send_control(tuple(op_monitor_p, e->from, to, ref), nullptr, [&] { out_monitors_[ref] = m; });
    }
    case signal_kind::demonitor: {
      const term ref = e->ref;
      return send_control(tuple(op_demonitor_p, e->from, to, ref), nullptr, [&] { out_monitors_.erase(ref); });
    }
    case signal_kind::down: {
      // A local process a remote one monitored has died: payload is {'DOWN', Ref, process, Obj, R}.
      const term& down = e->payload;
      const term from_proc = down[3].is_tuple(2) ? down[3][0] : e->from;
      const term ref = e->ref;
      return send_control(tuple(op_monitor_p_exit, from_proc, to, ref, down[4]), nullptr,
                          [&] { in_monitors_.erase(ref); });
    }
    case signal_kind::receive_timeout:
    case signal_kind::info_request: return false;
  }
  return false;
}

bool connection::send_to_name(const term& from, atom name, const term& message) {
  return send_control(tuple(op_reg_send, from, empty_atom, name), &message, [] {});
}

bool connection::monitor_name(const term& watcher, atom name, const term& ref) {
  const out_monitor m{watcher, tuple(name, peer_)};
  return send_control(tuple(op_monitor_p, watcher, name, ref), nullptr, [&] { out_monitors_[ref] = m; });
}

bool connection::call_name(const term& caller, atom name, const term& ref, const term& message) {
  std::string frames;
  encode_frame(frames, tuple(op_monitor_p, caller, name, ref), nullptr);
  encode_frame(frames, tuple(op_reg_send, caller, empty_atom, name), &message);
  const out_monitor m{caller, tuple(name, peer_)};
  std::lock_guard lock(mutex_);
  if (state_ == state::down) return false;
  out_monitors_[ref] = m;
  return enqueue(frames);
}

void connection::demonitor_name(const term& watcher, atom name, const term& ref) {
  send_control(tuple(op_demonitor_p, watcher, name, ref), nullptr, [&] { out_monitors_.erase(ref); });
}

// --- life cycle -------------------------------------------------------------------------------

void connection::attach(carrier stream, std::uint64_t negotiated, std::uint32_t peer_creation, bool is_hidden) {
  boost::system::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  stream_ = std::make_unique<carrier>(std::move(stream));
  {
    std::lock_guard lock(mutex_);
    if (state_ != state::pending) {
      stream_->close();
      return;
    }
    state_ = state::up;
    flags_ = negotiated;
    creation_ = peer_creation;
    hidden_ = is_hidden;
    fd_ = stream_->secured() ? -1 : stream_->socket().native_handle();
    node_table::intern({peer_, peer_creation});
    if (!output_.empty()) {
      writing_ = true;
      asio::post(kernel_.io(), [self = shared_from_this()] { self->flush(); });
    }
  }
  kernel_.connection_up(shared_from_this());
  asio::co_spawn(kernel_.io(), read_loop(shared_from_this()), asio::detached);
  arm_tick();
}

void connection::close(std::string reason) {
  asio::post(kernel_.io(), [self = shared_from_this(), reason = std::move(reason)] { self->do_close(reason); });
}

void connection::close_and_wait(std::string reason) {
  std::promise<void> done;
  asio::post(kernel_.io(), [&] {
    do_close(reason);
    done.set_value();
  });
  done.get_future().wait();
}

void connection::do_close(const std::string& reason) {
  bool was_up = false;
  std::unordered_set<term, term_hash> links;
  std::unordered_map<term, out_monitor, term_hash> out_monitors;
  std::unordered_map<term, in_monitor, term_hash> in_monitors;
  bool drain = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ == state::down) return;
    was_up = state_ == state::up;
    state_ = state::down;
    // What was sent before the close (a disconnect right after a send) still goes out: over plain
    // TCP in one last non-blocking write, best effort; over TLS the writes go on, then the close.
    if (was_up && fd_ >= 0 && !writing_ && !output_.empty())
      ::send(fd_, output_.data(), output_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    drain = was_up && stream_ && stream_->secured() && (writing_ || !output_.empty());
    if (drain) {
      draining_ = true;
      if (!writing_) {
        writing_ = true;
        asio::post(kernel_.io(), [self = shared_from_this()] { self->flush(); });
      }
    } else {
      output_.clear();
    }
    fd_ = -1;
    links.swap(links_);
    out_monitors.swap(out_monitors_);
    in_monitors.swap(in_monitors_);
  }
  if (drain) {
    // A peer that does not read cannot hold the socket: the close ends after setup_time anyway.
    tick_timer_.expires_after(kernel_.options().setup_time);
    tick_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->stream_->close();
    });
  } else {
    if (stream_) stream_->close();
    tick_timer_.cancel();
  }
  if (was_up) log::write(log::level::info, "dist: connection to " + std::string(peer_.text()) + " closed: " + reason);
  // Links and monitors across the connection fire with noconnection, as in Erlang.
  for (const term& pair : links) deliver(pair[0], signal_kind::exit, pair[1], term(atoms::noconnection), term(), true);
  for (auto& [ref, m] : out_monitors)
    deliver(m.watcher, signal_kind::down, m.object,
            tuple(atoms::down, ref, atoms::process, m.object, atoms::noconnection), ref);
  for (auto& [ref, m] : in_monitors) deliver(m.target, signal_kind::demonitor, m.watcher, term(), ref);
  kernel_.connection_down(shared_from_this(), was_up);
}

// --- ticks ------------------------------------------------------------------------------------

void connection::arm_tick() {
  tick_timer_.expires_after(kernel_.options().net_ticktime / 4);
  tick_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_tick();
  });
}

void connection::on_tick() {
  if (current_state() != state::up) return;
  if (received_.exchange(false, std::memory_order_relaxed)) {
    silent_ticks_ = 0;
  } else if (++silent_ticks_ >= 4) {
    return do_close("net_tick_timeout: nothing received for net_ticktime");
  }
  if (!sent_.exchange(false, std::memory_order_relaxed)) {
    std::lock_guard lock(mutex_);
    enqueue(std::string(tick_frame));
  }
  arm_tick();
}

// --- receiving --------------------------------------------------------------------------------

asio::awaitable<void> connection::read_loop(std::shared_ptr<connection> self) {
  // `self` keeps this connection alive for as long as the loop runs.
  for (connection& me = *self;;) {
    (void)me;
    char* room = splitter_.prepare(16 * 1024);
    const std::size_t capacity = splitter_.capacity();
    auto [ec, n] = co_await stream_->async_read_some(asio::buffer(room, capacity), asio::as_tuple(asio::use_awaitable));
    if (stream_->secured() && current_state() == state::down) co_return;  // draining: nothing more is read
    if (ec) {
      if (ec != asio::error::operation_aborted)
        do_close(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ? "closed by the peer"
                                                                                    : "read failed: " + ec.message());
      co_return;
    }
    received_.store(true, std::memory_order_relaxed);
    bytes_received_.fetch_add(n, std::memory_order_relaxed);
    splitter_.commit(n);
    try {
      while (auto frame = splitter_.next()) {
        if (frame->dropped) {
          report_dropped(*frame);
          continue;
        }
        if (frame->payload.empty()) continue;  // a tick
        handle_payload(frame->payload);
        if (current_state() == state::down) co_return;
      }
    } catch (const frame_error& e) {
      log::write(log::level::warning, "dist: closing the connection to " + std::string(peer_.text()) + ": " + e.what());
      do_close(e.what());
      co_return;
    }
  }
}

void connection::handle_payload(std::string_view payload) {
  control_frame frame = decode_payload(payload);
  if (!frame.undecodable_message.empty()) {
    kernel_.dropped_messages().warn("dist: dropped a message from " + std::string(peer_.text()) + " (control " +
                                    to_string(frame.control, report_limits) +
                                    "): it holds a term this node cannot represent: " + frame.undecodable_message);
    return;
  }
  try {
    handle_control(frame);
  } catch (const bad_term& e) {
    throw frame_error("malformed control message " + to_string(frame.control, report_limits) + ": " + e.what());
  }
}

void connection::report_dropped(const split_frame& frame) {
  // The control message (who sent it, to whom) is in the bytes kept, unless it is itself huge.
  std::string control = "its control message unreadable";
  try {
    std::size_t at = 2;
    if (frame.payload.size() > 2 && frame.payload[0] == 'p')
      control = to_string(etf::decode_one(frame.payload, at), report_limits);
  } catch (const etf::decode_error&) {
  }
  kernel_.dropped_messages().warn("dist: dropped a message of " + std::to_string(frame.length) + " bytes from " +
                                  std::string(peer_.text()) + " (control " + control +
                                  "): over this node's max_message_size of " +
                                  std::to_string(kernel_.options().max_message_size) + " bytes");
}

void connection::log_unhandled(std::int64_t op) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    first = logged_ops_.insert(op).second;
  }
  if (first)
    log::write(log::level::warning, "dist: " + std::string(peer_.text()) + " sent control message " +
                                        std::to_string(op) +
                                        ", which this node does not handle; dropped (logged once)");
}

void connection::deliver_message(const term& to, term message, std::size_t wire_bytes) {
  if (!is_local_pid(to)) return;
  // A reply to [alias|Ref]: delivered only while the alias is active (the call has not given up).
  if (message.is_tuple(2) && message[0].is_list() && !message[0].is_nil() && message[0].head().is_atom(atoms::alias)) {
    const term ref = message[0].tail();
    if (ref.is_reference() && ref.reference_node() == node_table::local_index) {
      deliver(to, signal_kind::alias_message, term(), std::move(message), ref, false, wire_bytes);
      return;
    }
  }
  deliver(to, signal_kind::message, term(), std::move(message), term(), false, wire_bytes);
}

void connection::handle_control(const control_frame& frame) {
  const term& c = frame.control;
  auto need = [&](std::size_t arity, bool message) {
    if (c.size() != arity || frame.message.has_value() != message)
      throw frame_error("malformed control message " + to_string(c, report_limits));
  };
  auto pid_at = [&](std::size_t i) -> const term& {
    if (!c[i].is_pid())
      throw frame_error("malformed control message " + c.to_string() + ": element " + std::to_string(i + 1) +
                        " is not a pid");
    return c[i];
  };
  switch (c[0].as_int()) {
    case op_send: need(3, true); return deliver_message(pid_at(2), *frame.message, frame.message_bytes);
    case op_send_sender: need(3, true); return deliver_message(pid_at(2), *frame.message, frame.message_bytes);
    case op_reg_send: {
      need(4, true);
      if (!c[3].is_atom()) throw frame_error("REG_SEND to a non-atom: " + c.to_string());
      if (auto pid = the_registry().find(c[3].as_atom())) deliver_message(*pid, *frame.message, frame.message_bytes);
      return;  // a name nobody holds: dropped, as Erlang does
    }
    case op_alias_send: {
      need(3, true);
      const term& alias = c[2];
      if (!alias.is_reference() || alias.reference_node() != node_table::local_index ||
          alias.reference_ids().size() < 3)
        return;
      // This node's references carry their owner's pid (process_control_block::new_ref).
      const auto ids = alias.reference_ids();
      deliver(term::make_pid({node_table::local_index, ids[1], ids[2]}), signal_kind::alias_message, term(),
              *frame.message, alias, false, frame.message_bytes);
      return;
    }
    case op_link: {
      need(3, false);
      const term& from = pid_at(1);
      const term& to = pid_at(2);
      const term key = tuple(to, from);
      {
        std::lock_guard lock(mutex_);
        links_.insert(key);
      }
      if (!deliver(to, signal_kind::link, from, term())) {
        {
          std::lock_guard lock(mutex_);
          links_.erase(key);
        }
        send_control(tuple(op_exit, to, from, atoms::noproc), nullptr, [] {});
      }
      return;
    }
    case op_unlink:
    case op_unlink_id: {
      const bool with_id = c[0].as_int() == op_unlink_id;
      need(with_id ? 4 : 3, false);
      const term& from = pid_at(with_id ? 2 : 1);
      const term& to = pid_at(with_id ? 3 : 2);
      {
        std::lock_guard lock(mutex_);
        links_.erase(tuple(to, from));
      }
      // The ack goes out before any other signal from `to` can (it is sent from here, now).
      if (with_id) send_control(tuple(op_unlink_id_ack, c[1], to, from), nullptr, [] {});
      deliver(to, signal_kind::unlink, from, term());
      return;
    }
    case op_unlink_id_ack: need(4, false); return;
    case op_exit:
    case op_payload_exit: {
      const bool payload = c[0].as_int() == op_payload_exit;
      need(payload ? 3 : 4, payload);
      const term& from = pid_at(1);
      const term& to = pid_at(2);
      {
        std::lock_guard lock(mutex_);
        links_.erase(tuple(to, from));
      }
      deliver(to, signal_kind::exit, from, payload ? *frame.message : c[3], term(), true);
      return;
    }
    case op_exit2:
    case op_payload_exit2: {
      const bool payload = c[0].as_int() == op_payload_exit2;
      need(payload ? 3 : 4, payload);
      deliver(pid_at(2), signal_kind::exit, pid_at(1), payload ? *frame.message : c[3]);
      return;
    }
    case op_monitor_p: {
      need(4, false);
      const term& watcher = pid_at(1);
      const term& target = c[2];
      const term& ref = c[3];
      if (!ref.is_reference() || !(target.is_pid() || target.is_atom()))
        throw frame_error("malformed MONITOR_P " + c.to_string());
      term pid = target;
      term object = target;
      if (target.is_atom()) {
        object = tuple(target, kernel_.name());
        auto found = the_registry().find(target.as_atom());
        pid = found ? *found : term();
      }
      {
        std::lock_guard lock(mutex_);
        in_monitors_[ref] = in_monitor{pid, watcher};
      }
      if (!deliver(pid, signal_kind::monitor, watcher, object, ref)) {
        // Answered at once, so a gen_server:call to a missing name fails with noproc, as OTP's does.
        send_control(tuple(op_monitor_p_exit, target, watcher, ref, atoms::noproc), nullptr,
                     [&] { in_monitors_.erase(ref); });
      }
      return;
    }
    case op_demonitor_p: {
      need(4, false);
      const term& ref = c[3];
      in_monitor m;
      {
        std::lock_guard lock(mutex_);
        auto it = in_monitors_.find(ref);
        if (it == in_monitors_.end()) return;
        m = std::move(it->second);
        in_monitors_.erase(it);
      }
      // Nothing for the process to do now: it drops the monitor when it next runs, unwoken (a
      // remote gen call ends with one of these, and the server need not wake for it).
      if (is_local_pid(m.target))
        send_signal_without_waking(m.target.as_pid(), make_envelope(signal_kind::demonitor, m.watcher, term(), ref));
      return;
    }
    case op_monitor_p_exit:
    case op_payload_monitor_p_exit: {
      const bool payload = c[0].as_int() == op_payload_monitor_p_exit;
      need(payload ? 4 : 5, payload);
      const term& to = pid_at(2);
      const term& ref = c[3];
      term object = c[1].is_atom() ? tuple(c[1], peer_) : c[1];
      {
        std::lock_guard lock(mutex_);
        auto it = out_monitors_.find(ref);
        if (it != out_monitors_.end()) {
          object = it->second.object;
          out_monitors_.erase(it);
        }
      }
      const term reason = payload ? *frame.message : c[4];
      deliver(to, signal_kind::down, object, tuple(atoms::down, ref, atoms::process, object, reason), ref);
      return;
    }
    case op_spawn_request:
    case op_spawn_request_tt: {
      need(c[0].as_int() == op_spawn_request ? 6 : 7, true);
      return spawn_requested(c, *frame.message);
    }
    default: log_unhandled(c[0].as_int()); return;
  }
}

void connection::spawn_requested(const term& c, const term& args) {
  // {29, ReqId, From, GroupLeader, {M, F, Arity}, Options} followed by the argument list; the
  // group leader is accepted and ignored (this node has no I/O servers).
  const term& ref = c[1];
  const term& parent = c[2];
  const term& mfa = c[4];
  const term& options = c[5];
  if (!ref.is_reference() || !parent.is_pid() || !mfa.is_tuple(3) || !mfa[0].is_atom() || !mfa[1].is_atom() ||
      !mfa[2].is_integer() || !options.is_proper_list())
    throw frame_error("malformed SPAWN_REQUEST " + to_string(c, report_limits));
  auto refuse = [&](atom why) {
    send_control(tuple(op_spawn_reply, ref, parent, std::int64_t{0}, why), nullptr, [] {});
  };
  if (!args.is_proper_list() || static_cast<std::int64_t>(args.size()) != mfa[2].as_int())
    return refuse(atom("badarg"));
  bool link = false;
  bool monitored = false;
  for (const term& o : options.elements()) {
    if (o.is_atom(atom("link")))
      link = true;
    else if (o.is_atom(atom("monitor")) || (o.is_tuple(2) && o[0].is_atom(atom("monitor"))))
      monitored = true;
    else if (!is_ignored_spawn_option(o))
      return refuse(atom("badopt"));
  }
  const std::int64_t flags = (link ? spawn_reply_linked : 0) | (monitored ? spawn_reply_monitored : 0);
  try {
    spawn_for_remote(remote_spawn_body(mfa[0].as_atom(), mfa[1].as_atom(), args), parent, link,
                     monitored ? &ref : nullptr, [&](const term& child) {
                       // Recorded with the reply, so a connection lost from now on breaks them.
                       send_control(tuple(op_spawn_reply, ref, parent, flags, child), nullptr, [&] {
                         if (link) links_.insert(tuple(child, parent));
                         if (monitored) in_monitors_[ref] = in_monitor{child, parent};
                       });
                     });
  } catch (const std::runtime_error&) {
    refuse(atom("system_limit"));
  }
}

}  // namespace otp::detail::dist
