// otpctl cast: the check, then gen_server:cast.
#include "commands/cast.hpp"

#include <ostream>

#include "message_args.hpp"
#include "otp/gen_server.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  declare_message_arguments(arguments, positional);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  return deliver_to_registered("cast", args, out, err, [](const otp::term& to, const otp::term& message) {
    otp::gen_server::cast(to, message);
  });
}

}  // namespace

const command cast{
    "cast",
    "cast --node NAME@HOST [--cookie C] NAME TERM",
    "Cast a request to a gen_server on a node.",
    "Checks that a process is registered as NAME on the node, then does gen_server:cast({NAME, Node}, TERM):\n"
    "the server gets it in handle_cast. Prints 'ok'; nothing comes back. TERM is one term in Erlang syntax, as\n"
    "for 'call'. Exit status: 0 sent; 1 no process is registered as NAME (noproc); 2 TERM does not\n"
    "parse (its line and column are given).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
