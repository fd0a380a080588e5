// otpctl send: the check, then a plain send.
#include "commands/send.hpp"

#include <ostream>

#include "message_args.hpp"
#include "otp/process.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  declare_message_arguments(arguments, positional);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  return deliver_to_registered("send", args, out, err,
                               [](const otp::term& to, const otp::term& message) { otp::send(to, message); });
}

}  // namespace

const command send{
    "send",
    "send --node NAME@HOST [--cookie C] NAME TERM",
    "Send a plain message to a registered process on a node.",
    "Checks that a process is registered as NAME on the node, then does {NAME, Node} ! TERM:\n"
    "the process receives TERM as it is (a gen_server in handle_info). Prints 'ok'; nothing comes back.\n"
    "TERM is one term in Erlang syntax, as for 'call'. Exit status: 0 sent; 1 no process is registered\n"
    "as NAME (noproc); 2 TERM does not parse (its line and column are given).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
