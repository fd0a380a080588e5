// node_services — the registered processes a distributed node runs for Erlang's kernel services
// that peers address by name: global_name_server (global) and the default pg scope.
// node::start starts them once the node is alive; node::stop kills them before it closes the
// connections.
// Thread-safety: called by node::start / node::stop under their lock.
#pragma once

#include "otp/node.hpp"

namespace otp::detail::dist {

void start_node_services(const node::options& options);
void stop_node_services();

}  // namespace otp::detail::dist
