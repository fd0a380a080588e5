// The router (router.hpp): signals for other nodes handed to their connections.
#include "dist/router.hpp"

#include "dist/net_kernel.hpp"
#include "otp/node.hpp"
#include "otp/node_table.hpp"

namespace otp::detail::dist {

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

void shutdown_for_runtime() noexcept {
  try {
    node::stop();
  } catch (...) {
    // The runtime is going away; nothing is left to tell.
  }
}

}  // namespace otp::detail::dist
