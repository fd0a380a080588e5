// otpctl stop: the node agent's stop, then the nodedown that proves it.
#include "commands/stop.hpp"

#include <ostream>

#include "node_connection.hpp"
#include "otp/node.hpp"
#include "otp/node_agent.hpp"
#include "otp/process.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description&, po::positional_options_description&) {
  declare_node_options(options);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  return with_node("stop", args, err, [&](const node_session& s) {
    otp::node::monitor_node(s.node, true);
    const otp::term reply = otp::release::node_agent::stop(s.node_agent());
    if (!reply.is_atom(otp::atom("ok")))
      return s.fail("node " + s.node_name() + " refused to stop: " + reply.to_string());
    otp::receive(
        [&](const otp::term& m) { return m.is_tuple(2) && m[0].is_atom(otp::atoms::nodedown) && m[1] == s.node; });
    out << "node " << s.node_name() << " stopped\n";
    return exit_code::ok;
  });
}

}  // namespace

const command stop{
    "stop",
    "stop --node NAME@HOST [--cookie C | --cookie-file PATH] [--timeout MS]",
    "Stop a node cleanly.",
    "Asks the node's agent to stop: the release handler stops the applications in reverse order, the node\n"
    "leaves EPMD and its OS process exits. Waits until the node's connection is gone, then prints\n"
    "'node NAME@HOST stopped'. Exit status: 0 stopped, 1 the node is unreachable or did not stop within\n"
    "--timeout.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
