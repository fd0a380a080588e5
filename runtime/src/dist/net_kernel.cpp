#include "dist/net_kernel.hpp"

// GCC 12 misreads Asio's coroutine frame allocator (awaitable_frame_base's operator new/delete
// pair) as mismatched in large coroutines (GCC bug 103993's family); the pair is correct.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <utility>

#include "big_endian.hpp"
#include "dist/code_push.hpp"
#include "dist/cookie.hpp"
#include "dist/digest.hpp"
#include "dist/epmd_client.hpp"
#include "dist/flags.hpp"
#include "dist/handshake.hpp"
#include "dist/node_services.hpp"
#include "dist/rex.hpp"
#include "dist/router.hpp"
#include "otp/epmd.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node_table.hpp"
#include "otp/runtime.hpp"
#include "process_control_block.hpp"
#include "runtime_state.hpp"

namespace otp::detail::dist {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::shared_mutex current_mutex;
std::shared_ptr<net_kernel> current_kernel;

std::pair<std::string, std::string> split_node_name(std::string_view full) {
  const auto at = full.find('@');
  return {std::string(full.substr(0, at)), std::string(full.substr(at + 1))};
}

// Where the node listens: on the address its name gives (x@127.0.0.1 on 127.0.0.1 only, x@localhost
// on the loopback), else on every interface, as Erlang does for a host name (which other hosts may
// resolve to an address this one does not know itself by).
asio::ip::address listen_address_for(const std::string& host) {
  boost::system::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(host, ec);
  if (!ec) return ip;
  if (host == "localhost") return asio::ip::address_v4::loopback();
  return asio::ip::address_v4::any();
}

// A pause of the accept loop when accepting fails for want of descriptors or memory.
constexpr std::chrono::milliseconds accept_backoff{100};
// Lines a second about rejected connection attempts (the rest are counted).
constexpr std::size_t rejections_logged_per_second = 5;

// What a handshake coroutine shares with the timer and the cap that may close its socket.
struct setup_state {
  explicit setup_state(asio::io_context& io) : stream(io) {}
  carrier stream;
  const char* closed_because = nullptr;  // set when closed by the timer or the cap
};

void close_setup(setup_state& s, const char* because) {
  s.closed_because = because;
  s.stream.close();
}

void arm_setup_timer(asio::steady_timer& timer, const std::shared_ptr<setup_state>& setup,
                     std::chrono::milliseconds limit) {
  timer.expires_after(limit);
  timer.async_wait([weak = std::weak_ptr<setup_state>(setup)](boost::system::error_code ec) {
    if (ec) return;
    if (auto s = weak.lock()) close_setup(*s, "handshake timed out (net_setuptime)");
  });
}

// GCC 12 mishandles temporaries inside co_await expressions (it destroys some twice), so every
// value a co_await needs is a named local here and in the handshakes below.
// A handshake message: {packet,2} over plain TCP; over TLS {packet,4}, as Erlang's inet_tls_dist
// frames its handshake. Either way at most 64 KiB.
asio::awaitable<std::string> read_handshake_packet(carrier& stream) {
  const std::size_t header_size = stream.secured() ? 4 : 2;
  unsigned char header[4] = {};
  const auto header_buffer = asio::buffer(header, header_size);
  co_await stream.async_read(header_buffer, asio::use_awaitable);
  // A TLS record (a handshake or an alert, version 3.x) where a plain peer's packet would be: no
  // handshake message is this long, and a clear reason beats a timeout.
  if (!stream.secured() && (header[0] == 0x16 || header[0] == 0x15) && header[1] == 0x03)
    throw handshake_error("the peer speaks TLS: it uses TLS distribution, this node plain TCP");
  const std::size_t length =
      detail::get_big_endian(std::string_view(reinterpret_cast<const char*>(header), header_size), 0, header_size);
  if (length > 0xffff) throw handshake_error("handshake message too long (" + std::to_string(length) + " bytes)");
  std::string payload(length, '\0');
  const auto payload_buffer = asio::buffer(payload);
  co_await stream.async_read(payload_buffer, asio::use_awaitable);
  co_return payload;
}

asio::awaitable<void> write_handshake_packet(carrier& stream, const std::string& payload) {
  std::string packet = packet2(payload);
  if (stream.secured()) packet.insert(0, 2, '\0');  // {packet,4}: the length fits in the low two bytes
  const auto buffer = asio::buffer(packet);
  co_await stream.async_write(buffer, asio::use_awaitable);
}

// The reason a handshake failed, timeouts named as such.
std::string failure(const setup_state& s, const std::exception& e) {
  if (s.closed_because != nullptr) return s.closed_because;
  if (const auto* system = dynamic_cast<const boost::system::system_error*>(&e)) {
    if (system->code() == asio::error::eof || system->code() == asio::ssl::error::stream_truncated)
      return "the peer closed the connection during the handshake (wrong cookie?)";
    return system->code().message();
  }
  return e.what();
}

// net_kernel, the registered process: answers is_auth (net_adm:ping) with yes.
class net_kernel_server final : public gen_server::behaviour {
 public:
  gen_server::init_result init(const term&) override { return gen_server::init_result::ok(term()); }
  gen_server::result handle_call(const term& request, const term&, const term& state) override {
    if (request.is_tuple(2) && request[0].is_atom(atom("is_auth")))
      return gen_server::result::reply(atom("yes"), state);
    return gen_server::result::reply(tuple(atoms::error, atom("not_supported")), state);
  }
  gen_server::result handle_cast(const term&, const term& state) override { return gen_server::result::noreply(state); }
  gen_server::result handle_info(const term&, const term& state) override { return gen_server::result::noreply(state); }
  std::string module_name() const override { return "net_kernel"; }
};

}  // namespace

// --- the kernel -------------------------------------------------------------------------------

net_kernel::net_kernel(node::options options, std::string full_name, std::string cookie)
    : options_(std::move(options)),
      full_name_(std::move(full_name)),
      name_(full_name_),
      cookie_(std::move(cookie)),
      pending_(options_.max_pending_handshakes, options_.max_pending_handshakes_per_address),
      acceptor_(io_),
      accept_backoff_(io_),
      rejections_(io_, rejections_logged_per_second, "rejected connection attempts"),
      dropped_messages_(io_, rejections_logged_per_second, "dropped oversized messages"),
      epmd_(io_) {}

net_kernel::~net_kernel() { shutdown(); }

std::shared_ptr<net_kernel> net_kernel::current() {
  std::shared_lock lock(current_mutex);
  return current_kernel;
}

void net_kernel::set_current(std::shared_ptr<net_kernel> k) {
  std::unique_lock lock(current_mutex);
  current_kernel = std::move(k);
}

std::uint64_t net_kernel::our_flags() const noexcept { return flags::ours(options_.hidden); }

void net_kernel::start() {
  if (options_.tls) {
    try {
      tls_ = std::make_unique<tls_context>(*options_.tls);
    } catch (const tls_setup_error& e) {
      throw node::start_error(e.what());
    }
  }
  const auto [alive, host] = split_node_name(full_name_);
  boost::system::error_code ec;
  const tcp::endpoint listen_on(listen_address_for(host), options_.port);
  acceptor_.open(listen_on.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(listen_on, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw node::start_error("cannot listen for distribution on " + listen_on.address().to_string() + " port " +
                            std::to_string(options_.port) + ": " + ec.message());
  try {
    creation_ = register_node(epmd_, options_.epmd_port.value_or(epmd::port()), alive,
                              acceptor_.local_endpoint().port(), options_.hidden);
  } catch (const epmd_error& e) {
    throw node::start_error("cannot register " + full_name_ + " with EPMD: " + e.what());
  }
  node_table::set_local_identity({name_, creation_});
  work_.emplace(io_.get_executor());
  asio::co_spawn(io_, accept_loop(), asio::detached);
  running_ = true;
  thread_ = std::thread([this] { io_thread_main(); });
  the_runtime_state().pool.set_idle_poller(&poller_);
}

void net_kernel::io_thread_main() {
  pthread_setname_np(pthread_self(), "otp-dist-io");
  // Scheduler threads poll while one is idle. This thread stands in when none has for a while (all
  // busy computing, or the only one blocked in a synchronous wait), so reads and ticks still go on,
  // and writes what a process corked before it went on computing.
  constexpr std::chrono::milliseconds stand_in_period{5};
  std::unique_lock lock(thread_mutex_);
  while (!thread_takes_over_) {
    thread_cv_.wait_for(lock, stand_in_period);
    if (thread_takes_over_) break;
    lock.unlock();
    // A scheduler thread polling with no deadline means every one of them sleeps: nothing is corked
    // and frames are read; this thread sleeps too until that poll ends (shutdown ends it by posting).
    poller_.wait_while_polled_without_deadline();
    for (const auto& c : connections()) c->flush_now();
    if (poller_.try_take_turn()) {
      io_.poll();
      poller_.give_back_turn();
    }
    lock.lock();
  }
  lock.unlock();
  poller_.take_turn();  // shutting down: no scheduler thread polls from now on
  io_.run();
  poller_.give_back_turn();
}

void net_kernel::shutdown() {
  if (!running_.exchange(false)) return;
  if (runtime_state* s = runtime_state_or_null()) s->pool.clear_idle_poller();
  {
    std::lock_guard lock(thread_mutex_);
    thread_takes_over_ = true;
  }
  thread_cv_.notify_one();
  std::promise<void> closed;
  asio::post(io_, [this, &closed] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
    pending_.evict_all();
    rejections_.stop();
    dropped_messages_.stop();
    for (const auto& c : connections()) c->close("the node stopped");
    // After the closes just posted: the node leaves EPMD last.
    asio::post(io_, [this, &closed] {
      boost::system::error_code ignored_too;
      epmd_.close(ignored_too);
      closed.set_value();
    });
  });
  closed.get_future().wait();
  work_.reset();
  thread_.join();
}

std::shared_ptr<connection> net_kernel::get(atom node, bool connect) {
  if (node == name_) return nullptr;
  {
    std::shared_lock lock(mutex_);
    if (auto it = connections_.find(node.index()); it != connections_.end()) return it->second;
  }
  if (!connect || !running_) return nullptr;
  const std::string text(node.text());
  const auto at = text.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) return nullptr;  // not a node name
  std::unique_lock lock(mutex_);
  if (auto it = connections_.find(node.index()); it != connections_.end()) return it->second;
  if (auto incoming = accepting_.find(text); incoming != accepting_.end()) {
    // The node is connecting to this one: wait for that handshake rather than start another.
    auto c = std::make_shared<connection>(shared_from_this(), node, incoming->second.back());
    connections_.emplace(node.index(), c);
    return c;
  }
  const std::uint64_t attempt = next_attempt_++;
  auto c = std::make_shared<connection>(shared_from_this(), node, attempt);
  connections_.emplace(node.index(), c);
  asio::co_spawn(io_, connect_handshake(c, attempt), asio::detached);
  return c;
}

void net_kernel::forget_accepting_locked(const std::string& name, std::uint64_t attempt) {
  auto it = accepting_.find(name);
  if (it == accepting_.end()) return;
  std::erase(it->second, attempt);
  if (it->second.empty()) accepting_.erase(it);
}

std::shared_ptr<connection> net_kernel::end_accepting(const std::string& name, std::uint64_t attempt) {
  if (attempt == 0) return nullptr;
  std::unique_lock lock(mutex_);
  forget_accepting_locked(name, attempt);
  auto c = find_locked(name);
  if (!c || c->attempt() != attempt || c->current_state() != connection::state::pending) return nullptr;
  if (auto other = accepting_.find(name); other != accepting_.end()) {
    c->set_attempt(other->second.back());  // another handshake from that name may still finish it
    return nullptr;
  }
  return c;
}

std::shared_ptr<connection> net_kernel::find_locked(std::string_view name) const {
  // A name that is no atom names no connection; checking first keeps it from becoming one.
  if (!atom::exists(name)) return nullptr;
  const auto it = connections_.find(atom(name).index());
  return it == connections_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<connection>> net_kernel::connections() const {
  std::shared_lock lock(mutex_);
  std::vector<std::shared_ptr<connection>> all;
  for (const auto& [_, c] : connections_) all.push_back(c);
  return all;
}

void net_kernel::notify(atom node, bool up, bool hidden) {
  std::vector<term> to;
  {
    std::shared_lock lock(mutex_);
    for (const subscriber& s : subscribers_)
      if (!hidden || s.hidden) to.push_back(s.pid);
  }
  const term message = tuple(up ? atom("nodeup") : atoms::nodedown, node);
  for (const term& pid : to) send_signal(pid.as_pid(), make_envelope(signal_kind::message, term(), message));
}

void net_kernel::connection_up(const std::shared_ptr<connection>& c) {
  log::write(log::level::debug, "dist: connected to " + std::string(c->peer().text()));
  notify(c->peer(), true, c->hidden());
}

void net_kernel::connection_down(const std::shared_ptr<connection>& c, bool was_up) {
  std::vector<term> watchers;
  {
    std::unique_lock lock(mutex_);
    if (auto it = connections_.find(c->peer().index()); it != connections_.end() && it->second == c)
      connections_.erase(it);
    std::erase_if(node_watchers_, [&](const std::pair<term, atom>& w) {
      if (!(w.second == c->peer())) return false;
      watchers.push_back(w.first);
      return true;
    });
  }
  const term message = tuple(atoms::nodedown, c->peer());
  for (const term& pid : watchers) send_signal(pid.as_pid(), make_envelope(signal_kind::message, term(), message));
  if (was_up) notify(c->peer(), false, c->hidden());
}

void net_kernel::monitor_node(const term& pid, atom node, bool on) {
  if (!on) {
    std::unique_lock lock(mutex_);
    auto it = std::find_if(node_watchers_.begin(), node_watchers_.end(),
                           [&](const auto& w) { return w.first == pid && w.second == node; });
    if (it != node_watchers_.end()) node_watchers_.erase(it);
    return;
  }
  if (node == name_) return;
  auto c = get(node, true);
  {
    std::unique_lock lock(mutex_);
    // Watchers are taken by connection_down under this lock, after the state went down.
    if (c && c->current_state() != connection::state::down) {
      node_watchers_.emplace_back(pid, node);
      return;
    }
  }
  send_signal(pid.as_pid(), make_envelope(signal_kind::message, term(), tuple(atoms::nodedown, node)));
}

void net_kernel::monitor_nodes(const term& pid, bool on, bool include_hidden) {
  std::unique_lock lock(mutex_);
  if (on) {
    subscribers_.push_back(subscriber{pid, include_hidden});
  } else {
    auto it = std::find_if(subscribers_.begin(), subscribers_.end(), [&](const subscriber& s) { return s.pid == pid; });
    if (it != subscribers_.end()) subscribers_.erase(it);
  }
}

// --- handshakes -------------------------------------------------------------------------------

asio::awaitable<void> net_kernel::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec == asio::error::connection_aborted) continue;  // the peer gave up before it was taken
    if (ec) {
      // Out of descriptors (EMFILE, ENFILE) or memory: the connection stays in the backlog and a
      // retry now would fail at once, so pause rather than spin.
      rejections_.warn("dist: cannot accept connections: " + ec.message() + "; pausing " +
                       std::to_string(accept_backoff.count()) + " ms");
      accept_backoff_.expires_after(accept_backoff);
      auto [wait_ec] = co_await accept_backoff_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (wait_ec || !acceptor_.is_open()) co_return;
      continue;
    }
    asio::co_spawn(io_, accept_handshake(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> net_kernel::accept_handshake(tcp::socket socket) {
  auto setup = std::make_shared<setup_state>(io_);
  setup->stream.socket() = std::move(socket);
  boost::system::error_code endpoint_ec;
  const tcp::endpoint remote = setup->stream.socket().remote_endpoint(endpoint_ec);
  const std::string ip = endpoint_ec ? std::string("unknown") : remote.address().to_string();
  const std::string address = endpoint_ec ? "an unknown address" : ip + ":" + std::to_string(remote.port());
  const pending_handshake_slot slot(pending_,
                                    pending_.admit(ip, [weak = std::weak_ptr<setup_state>(setup)](const char* because) {
                                      if (auto s = weak.lock()) close_setup(*s, because);
                                    }));
  asio::steady_timer timer(io_);
  arm_setup_timer(timer, setup, options_.setup_time);
  std::shared_ptr<connection> c;
  std::uint64_t attempt = 0;
  std::string peer_name;
  try {
    if (tls_) {
      const std::string any_host;  // a client's certificate is checked against the CA only
      co_await setup->stream.secure(*tls_, false, any_host);
    }
    const std::string hello_bytes = co_await read_handshake_packet(setup->stream);
    const send_name_message hello = parse_send_name(hello_bytes);
    peer_name = hello.name;
    if (hello.name == full_name_) throw handshake_error("the peer uses this node's own name");
    if (const std::string missing = missing_mandatory_flags(hello.flags); !missing.empty()) {
      std::string refusal = encode_status("not_allowed");
      co_await write_handshake_packet(setup->stream, refusal);
      throw handshake_error("mandatory distribution flags missing: " + missing);
    }
    // Until the peer proved the cookie its name is only a claim: it stays a string, and what this
    // node has (its connections, its atoms) is only looked at.
    std::string status;
    std::shared_ptr<connection> claimed;  // up now; the peer says it is stale
    {
      std::unique_lock lock(mutex_);
      const std::shared_ptr<connection> existing = find_locked(hello.name);
      const auto incoming = accepting_.find(hello.name);
      const bool waits_for_incoming =
          existing && incoming != accepting_.end() &&
          std::find(incoming->second.begin(), incoming->second.end(), existing->attempt()) != incoming->second.end();
      if (!existing || waits_for_incoming) {
        // Several handshakes may claim the name; the first to prove the cookie takes the connection.
        attempt = next_attempt_++;
        accepting_[hello.name].push_back(attempt);
        status = "ok";
      } else if (existing->current_state() == connection::state::up) {
        claimed = existing;
        status = "alive";
      } else if (full_name_ > hello.name) {
        status = "nok";  // simultaneous connect: the greater name keeps its own attempt
      } else {
        status = "ok_simultaneous";  // ours gives way to this one, once it proved the cookie
      }
    }
    std::string status_message = encode_status(status);
    co_await write_handshake_packet(setup->stream, status_message);
    if (status == "nok") {
      setup->stream.close();
      co_return;
    }
    if (status == "alive") {
      // The peer says whether the connection we have to it is a stale one; it is replaced only
      // once the peer proved the cookie (OTP 25's dist_util does the same).
      const std::string answer = co_await read_handshake_packet(setup->stream);
      if (parse_status(answer) != "true") throw handshake_error("the peer already has a connection to this node");
    }
    const std::uint32_t challenge = new_challenge();
    std::string challenge_bytes = encode_challenge({our_flags(), challenge, creation_, full_name_});
    co_await write_handshake_packet(setup->stream, challenge_bytes);
    const std::string reply_bytes = co_await read_handshake_packet(setup->stream);
    const challenge_reply_message reply = parse_challenge_reply(reply_bytes);
    if (!digests_equal(reply.answer, gen_digest(challenge, cookie_)))
      throw handshake_error("invalid challenge reply (wrong cookie?)");
    // The peer proved the cookie: now it is a node of the cluster, and takes its place in the table.
    const atom peer(hello.name);
    std::shared_ptr<connection> replaced;
    {
      std::unique_lock lock(mutex_);
      if (attempt == 0) attempt = next_attempt_++;
      forget_accepting_locked(hello.name, attempt);
      auto it = connections_.find(peer.index());
      if (it != connections_.end() && it->second->current_state() == connection::state::pending) {
        c = it->second;
        c->set_attempt(attempt);  // waiting for this node, or a simultaneous connect of ours giving way
      } else if (it != connections_.end() && it->second->current_state() == connection::state::up &&
                 it->second != claimed) {
        throw handshake_error("already connected to that node");
      } else {
        if (it != connections_.end() && it->second == claimed) replaced = claimed;
        c = std::make_shared<connection>(shared_from_this(), peer, attempt);
        connections_[peer.index()] = c;
      }
    }
    if (replaced) replaced->close("replaced by a new connection from the same node");
    std::string ack_bytes = encode_challenge_ack(gen_digest(reply.challenge, cookie_));
    co_await write_handshake_packet(setup->stream, ack_bytes);
    timer.cancel();
    {
      std::shared_lock lock(mutex_);
      if (c->attempt() != attempt) co_return;  // taken over meanwhile
    }
    const bool hidden = options_.hidden || (hello.flags & flags::published) == 0;
    c->attach(std::move(setup->stream), our_flags() & hello.flags, hello.creation, hidden);
  } catch (const std::exception& e) {
    const std::string reason = failure(*setup, e);
    if (running_)
      rejections_.warn("dist: connection attempt from " + address +
                       (peer_name.empty() ? std::string() : " (node " + quoted_excerpt(peer_name) + ")") +
                       " rejected: " + reason);
    if (auto left_pending = end_accepting(peer_name, attempt)) left_pending->fail(reason);  // before the close
    setup->stream.close();
  }
}

asio::awaitable<void> net_kernel::connect_handshake(std::shared_ptr<connection> c, std::uint64_t attempt) {
  auto setup = std::make_shared<setup_state>(io_);
  asio::steady_timer timer(io_);
  arm_setup_timer(timer, setup, options_.setup_time);
  const std::string peer_name(c->peer().text());
  std::string address = peer_name;
  try {
    const auto [alive, host] = split_node_name(peer_name);
    boost::system::error_code ec;
    asio::ip::address ip = asio::ip::make_address(host, ec);
    if (ec) {
      tcp::resolver resolver(io_);
      const std::string service;
      const auto found = co_await resolver.async_resolve(tcp::v4(), host, service, asio::use_awaitable);
      if (found.empty()) throw handshake_error("cannot resolve host " + host);
      ip = found.begin()->endpoint().address();
    }
    setup->stream.socket() = tcp::socket(io_);
    const std::uint16_t epmd_port = options_.epmd_port.value_or(epmd::port());
    const std::uint16_t port = co_await port_please(setup->stream.socket(), ip, epmd_port, alive);
    address = ip.to_string() + ":" + std::to_string(port);
    setup->stream.socket() = tcp::socket(io_);
    const tcp::endpoint peer_endpoint(ip, port);
    co_await setup->stream.socket().async_connect(peer_endpoint, asio::use_awaitable);
    if (tls_) co_await setup->stream.secure(*tls_, true, host);
    std::string hello = encode_send_name({our_flags(), creation_, full_name_});
    co_await write_handshake_packet(setup->stream, hello);
    std::string status_bytes;
    try {
      status_bytes = co_await read_handshake_packet(setup->stream);
    } catch (const boost::system::system_error& e) {
      // A plain node answers send_name; a TLS node takes it for a broken TLS handshake and hangs up.
      if (e.code() != asio::error::eof || setup->stream.secured()) throw;
      throw handshake_error("the peer closed the connection without answering (does it use TLS distribution?)");
    }
    const std::string status = parse_status(status_bytes);
    if (status == "nok") {
      // Simultaneous connect and the peer's attempt wins; it arrives as an incoming handshake. Should
      // it never come, the connection fails after one more setup time.
      auto check = std::make_shared<asio::steady_timer>(io_, options_.setup_time);
      check->async_wait([this, c, attempt, check](boost::system::error_code wait_ec) {
        if (wait_ec) return;
        bool stuck = false;
        {
          std::shared_lock lock(mutex_);
          stuck = c->attempt() == attempt && c->current_state() == connection::state::pending;
        }
        if (stuck) c->fail("simultaneous connect never completed");
      });
      co_return;
    }
    if (status == "alive") {
      // The peer still has a connection to this node: a stale one, unless this attempt was given up
      // meanwhile (an incoming connection took over), as dist_util's is_pending tells.
      bool still_ours = false;
      {
        std::shared_lock lock(mutex_);
        still_ours = c->attempt() == attempt && c->current_state() == connection::state::pending;
      }
      std::string answer = encode_status(still_ours ? "true" : "false");
      co_await write_handshake_packet(setup->stream, answer);
      if (!still_ours) {
        setup->stream.close();
        co_return;
      }
    } else if (status != "ok" && status != "ok_simultaneous") {
      throw handshake_error("the peer refused the connection (" + quoted_excerpt(status) + ")");
    }
    const std::string challenge_bytes = co_await read_handshake_packet(setup->stream);
    const challenge_message challenge = parse_challenge(challenge_bytes);
    if (challenge.name != peer_name) throw handshake_error("the peer calls itself " + quoted_excerpt(challenge.name));
    if (const std::string missing = missing_mandatory_flags(challenge.flags); !missing.empty())
      throw handshake_error("mandatory distribution flags missing: " + missing);
    const std::uint32_t ours = new_challenge();
    std::string reply = encode_challenge_reply({ours, gen_digest(challenge.challenge, cookie_)});
    co_await write_handshake_packet(setup->stream, reply);
    std::string ack_bytes;
    try {
      ack_bytes = co_await read_handshake_packet(setup->stream);
    } catch (const boost::system::system_error& e) {
      // A node that finds our digest wrong hangs up without a word, as Erlang does.
      if (e.code() != asio::error::eof) throw;
      throw handshake_error(std::string(node::cookie_refused));
    }
    const digest ack = parse_challenge_ack(ack_bytes);
    if (!digests_equal(ack, gen_digest(ours, cookie_)))
      throw handshake_error("invalid challenge acknowledgement (wrong cookie?)");
    timer.cancel();
    {
      std::shared_lock lock(mutex_);
      if (c->attempt() != attempt) co_return;
    }
    const bool hidden = options_.hidden || (challenge.flags & flags::published) == 0;
    c->attach(std::move(setup->stream), our_flags() & challenge.flags, challenge.creation, hidden);
  } catch (const std::exception& e) {
    const std::string reason = failure(*setup, e);
    bool ours = false;
    {
      std::shared_lock lock(mutex_);
      ours = c->attempt() == attempt;
    }
    if (ours) {
      log::write(log::level::warning, "dist: cannot connect to " + peer_name + " (" + address + "): " + reason);
      {
        std::unique_lock lock(mutex_);
        last_failures_[c->peer().index()] = reason;
      }
      c->fail(reason);
    }
    setup->stream.close();
  }
}

std::string net_kernel::last_failure(atom node) const {
  std::shared_lock lock(mutex_);
  const auto it = last_failures_.find(node.index());
  return it == last_failures_.end() ? std::string() : it->second;
}

// --- the router (router.hpp) ------------------------------------------------------------------

bool forward_signal(const pid_parts& to, envelope* e) {
  auto k = net_kernel::current();
  if (!k) {
    recycle(e);
    return false;
  }
  const node_identity id = node_table::identity(to.node);
  // Signals that only clean up never set up a connection: there is nothing to clean up on a node
  // this node is not connected to.
  const bool may_connect = !(e->kind == signal_kind::down || e->kind == signal_kind::demonitor ||
                             e->kind == signal_kind::unlink || (e->kind == signal_kind::exit && e->linked));
  auto c = k->get(id.name, may_connect);
  if (!c) {
    recycle(e);
    return false;
  }
  return c->forward(to, id.creation, e);
}

void send_to_name(const term& from, atom name, atom node, term message) {
  auto k = net_kernel::current();
  if (!k) return;
  if (auto c = k->get(node, true)) c->send_to_name(from.is_pid() ? from : k->kernel_pid(), name, message);
}

bool monitor_name(const term& watcher, atom name, atom node, const term& ref) {
  auto k = net_kernel::current();
  if (!k) return false;
  auto c = k->get(node, true);
  return c && c->monitor_name(watcher, name, ref);
}

void demonitor_name(const term& watcher, atom name, atom node, const term& ref) {
  auto k = net_kernel::current();
  if (!k) return;
  if (auto c = k->get(node, false)) c->demonitor_name(watcher, name, ref);
}

bool call_name(const term& caller, atom name, atom node, const term& ref, term message) {
  auto k = net_kernel::current();
  if (!k) return false;
  auto c = k->get(node, true);
  return c && c->call_name(caller, name, ref, message);
}

term start_net_kernel_process() {
  return gen_server::start(std::make_shared<net_kernel_server>(), term(),
                           gen_server::start_options{.name = atom("net_kernel")});
}

void shutdown_for_runtime() noexcept {
  try {
    node::stop();
  } catch (...) {
    // The runtime is going away; nothing is left to tell.
  }
}

}  // namespace otp::detail::dist

// --- otp::node --------------------------------------------------------------------------------

namespace otp::node {

using detail::dist::net_kernel;

namespace {

std::mutex start_stop_mutex;

std::string this_host(name_kind kind) {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) throw start_error("cannot find this host's name");
  std::string host(buffer);
  if (kind == name_kind::shortnames) return host.substr(0, host.find('.'));
  if (host.find('.') == std::string::npos) {
    boost::asio::io_context io;
    boost::system::error_code ec;
    boost::asio::ip::tcp::resolver resolver(io);
    const auto found = resolver.resolve(host, "", boost::asio::ip::resolver_base::canonical_name, ec);
    if (!ec && !found.empty() && found.begin()->host_name().find('.') != std::string::npos)
      host = found.begin()->host_name();
  }
  if (host.find('.') == std::string::npos)
    throw start_error("cannot set a long node name: host '" + host + "' is not fully qualified; give name@host");
  return host;
}

std::string full_name_of(const options& opts) {
  const auto at = opts.name.find('@');
  const std::string alive = opts.name.substr(0, at);
  if (alive.empty() || alive.size() > 255 ||
      alive.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
    throw start_error("invalid node name '" + opts.name + "': the part before @ must be letters, digits, _ or -");
  if (at == std::string::npos) return alive + "@" + this_host(opts.names);
  const std::string host = opts.name.substr(at + 1);
  if (host.empty()) throw start_error("invalid node name '" + opts.name + "': no host after @");
  if (opts.names == name_kind::shortnames && host.find('.') != std::string::npos) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) throw start_error("invalid short node name '" + opts.name + "': the host part has a dot");
  }
  return opts.name;
}

}  // namespace

std::string read_cookie_file(const std::filesystem::path& file) {
  try {
    return detail::dist::read_cookie_file(file);
  } catch (const detail::dist::cookie_error& e) {
    throw start_error(e.what());
  }
}

void start(const options& opts) {
  std::lock_guard lock(start_stop_mutex);
  runtime::current();  // throws when no runtime runs
  if (net_kernel::current()) throw std::logic_error("node::start: this node is already alive");
  const std::string full = full_name_of(opts);
  const std::string cookie =
      opts.cookie ? *opts.cookie : read_cookie_file(opts.cookie_file.value_or(detail::dist::default_cookie_path()));
  if (cookie.empty()) throw start_error("the cookie is empty");
  auto kernel = std::make_shared<net_kernel>(opts, full, cookie);
  kernel->start();
  const term started = detail::dist::start_net_kernel_process();
  if (!started.is_tuple(2) || !started[0].is_atom(atoms::ok)) {
    kernel->shutdown();
    node_table::set_local_identity({});
    throw start_error("cannot start the net_kernel process: " + started.to_string());
  }
  kernel->set_kernel_pid(started[1]);
  const term pusher = detail::dist::start_code_push_process();
  if (!pusher.is_tuple(2) || !pusher[0].is_atom(atoms::ok)) {
    otp::exit(started[1], term(atoms::kill));
    kernel->shutdown();
    node_table::set_local_identity({});
    throw start_error("cannot start the otp_code_push process: " + pusher.to_string());
  }
  kernel->set_code_push_pid(pusher[1]);
  const term rex = detail::dist::start_rex_process();
  if (!rex.is_tuple(2) || !rex[0].is_atom(atoms::ok)) {
    otp::exit(started[1], term(atoms::kill));
    otp::exit(pusher[1], term(atoms::kill));
    kernel->shutdown();
    node_table::set_local_identity({});
    throw start_error("cannot start the rex process: " + rex.to_string());
  }
  kernel->set_rex_pid(rex[1]);
  net_kernel::set_current(std::move(kernel));
  detail::dist::start_node_services(opts);
}

void stop() {
  std::lock_guard lock(start_stop_mutex);
  auto kernel = net_kernel::current();
  if (!kernel) return;
  net_kernel::set_current(nullptr);
  detail::dist::stop_node_services();
  if (kernel->kernel_pid().is_pid()) otp::exit(kernel->kernel_pid(), term(atoms::kill));
  if (kernel->code_push_pid().is_pid()) otp::exit(kernel->code_push_pid(), term(atoms::kill));
  if (kernel->rex_pid().is_pid()) otp::exit(kernel->rex_pid(), term(atoms::kill));
  kernel->shutdown();
  node_table::set_local_identity({});
}

bool alive() { return net_kernel::current() != nullptr; }

atom name() { return node_table::local_identity().name; }

std::string cookie() {
  auto k = net_kernel::current();
  return k ? k->cookie() : std::string();
}

std::vector<atom> nodes(node_set which) {
  std::vector<atom> out;
  auto k = net_kernel::current();
  if (!k) return out;
  for (const auto& c : k->connections()) {
    if (c->current_state() != detail::dist::connection::state::up) continue;
    const bool hidden = c->hidden();
    if (which == node_set::connected || (which == node_set::hidden) == hidden) out.push_back(c->peer());
  }
  return out;
}

std::vector<connection_statistics> connections() {
  std::vector<connection_statistics> out;
  auto k = net_kernel::current();
  if (!k) return out;
  for (const auto& c : k->connections())
    if (c->current_state() == detail::dist::connection::state::up)
      out.push_back({c->peer(), c->hidden(), c->bytes_sent(), c->bytes_received()});
  return out;
}

atom ping(atom node) {
  if (!in_process()) return runtime::current().run([&] { return ping(node); });
  const atom pang("pang");
  if (!alive()) return pang;
  if (node == name()) return atom("pong");
  try {
    const term answer = gen_server::call(tuple(atom("net_kernel"), node), tuple(atom("is_auth"), name()), infinity);
    if (answer.is_atom(atom("yes"))) return atom("pong");
    disconnect(node);
  } catch (const exit_exception&) {
    // nodedown or noproc: pang
  }
  return pang;
}

bool connect(atom node) { return ping(node) == atom("pong"); }

std::string last_connect_failure(atom node) {
  auto k = net_kernel::current();
  return k ? k->last_failure(node) : std::string();
}

bool disconnect(atom node) {
  auto k = net_kernel::current();
  if (!k) return false;
  auto c = k->get(node, false);
  if (!c || c->current_state() == detail::dist::connection::state::down) return false;
  c->close_and_wait("disconnect_node");
  return true;
}

void monitor_node(atom node, bool on) {
  const term me = self();
  auto k = net_kernel::current();
  if (!k) {
    if (on) send(me, tuple(atoms::nodedown, node));
    return;
  }
  k->monitor_node(me, node, on);
}

void monitor_nodes(bool on, bool include_hidden) {
  const term me = self();
  auto k = net_kernel::current();
  if (!k) throw badarg("monitor_nodes: this node is not alive");
  k->monitor_nodes(me, on, include_hidden);
}

}  // namespace otp::node
