#include "dist/node_services.hpp"

#include "dist/global_name_server.hpp"

namespace otp::detail::dist {

void start_node_services(const node::options& options) { start_global_name_server(options.connect_all); }

void stop_node_services() { stop_global_name_server(); }

}  // namespace otp::detail::dist
