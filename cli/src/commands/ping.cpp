// otpctl ping: the connection with_node makes is the whole answer.
#include "commands/ping.hpp"

#include <ostream>

#include "node_connection.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  return with_node(
      "ping", args, err,
      [&](const node_session&) {
        out << "pong\n";
        return exit_code::ok;
      },
      [&] { out << "pang\n"; });
}

}  // namespace

const command ping{
    "ping",
    "ping --node NAME@HOST [--cookie C]",
    "Check that a node is up and accepts otpctl's cookie.",
    "Connects to the node as a hidden node, as net_adm:ping does. Prints 'pong' and exits 0 when the node\n"
    "answers; prints 'pang' on stdout, the reason on stderr (the node is not running, or it refused the\n"
    "connection, most likely for a wrong cookie) and exits 1 when it does not.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
