// The kernel (net_kernel.hpp): start and shutdown, the IO thread, the connection table, node
// monitors, and the registered net_kernel process. The handshakes are in connection_setup.cpp.
#include "dist/net_kernel.hpp"

#include <pthread.h>

#include <algorithm>
#include <future>
#include <utility>

#include "dist/epmd_client.hpp"
#include "dist/flags.hpp"
#include "dist/router.hpp"
#include "otp/epmd.hpp"
#include "otp/gen_server.hpp"
#include "otp/log.hpp"
#include "otp/node_table.hpp"
#include "processes/process_control_block.hpp"
#include "processes/runtime_state.hpp"

namespace otp::detail::dist {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::shared_mutex current_mutex;
std::shared_ptr<net_kernel> current_kernel;

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

// Lines a second about rejected connection attempts (the rest are counted).
constexpr std::size_t rejections_logged_per_second = 5;

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

std::pair<std::string, std::string> split_node_name(std::string_view full) {
  const auto at = full.find('@');
  return {std::string(full.substr(0, at)), std::string(full.substr(at + 1))};
}

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

std::string net_kernel::last_failure(atom node) const {
  std::shared_lock lock(mutex_);
  const auto it = last_failures_.find(node.index());
  return it == last_failures_.end() ? std::string() : it->second;
}

term start_net_kernel_process() {
  return gen_server::start(std::make_shared<net_kernel_server>(), term(),
                           gen_server::start_options{.name = atom("net_kernel")});
}

}  // namespace otp::detail::dist
