#include "dist/node_services.hpp"

#include "dist/global_name_server.hpp"
#include "dist/pg_scope.hpp"

namespace otp::detail::dist {

void start_node_services(const node::options& options) {
  start_global_name_server(options.connect_all);
  start_pg_scope();
}

void stop_node_services() {
  stop_pg_scope();
  stop_global_name_server();
}

}  // namespace otp::detail::dist
