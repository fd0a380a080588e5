// How connections are set up (net_kernel.hpp): the accept loop and the two handshake flows, the
// one answering a node that connects and the one connecting to a node, each a coroutine on the
// kernel's io_context with a setup timer.
#include "dist/net_kernel.hpp"

// GCC 12 misreads Asio's coroutine frame allocator (awaitable_frame_base's operator new/delete
// pair) as mismatched in large coroutines (GCC bug 103993's family); the pair is correct.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <utility>

#include "dist/cookie.hpp"
#include "dist/digest.hpp"
#include "dist/epmd_client.hpp"
#include "dist/flags.hpp"
#include "dist/handshake.hpp"
#include "otp/epmd.hpp"
#include "otp/log.hpp"
#include "otp/node_table.hpp"
#include "terms/big_endian.hpp"

namespace otp::detail::dist {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A pause of the accept loop when accepting fails for want of descriptors or memory.
constexpr std::chrono::milliseconds accept_backoff{100};

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

}  // namespace

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

}  // namespace otp::detail::dist
