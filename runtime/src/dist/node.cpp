// otp::node (otp/node.hpp): making this OS process a node and asking about the others, over the
// net kernel.
#include "otp/node.hpp"

#include <unistd.h>

#include <boost/asio.hpp>
#include <mutex>

#include "dist/code_push.hpp"
#include "dist/cookie.hpp"
#include "dist/net_kernel.hpp"
#include "dist/node_services.hpp"
#include "dist/rex.hpp"
#include "dist/router.hpp"
#include "otp/gen_server.hpp"
#include "otp/node_table.hpp"
#include "otp/runtime.hpp"

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
