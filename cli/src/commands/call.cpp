// otpctl call: one gen_server call with the --timeout.
#include "commands/call.hpp"

#include <boost/json.hpp>
#include <ostream>

#include "message_args.hpp"
#include "node_connection.hpp"
#include "otp/gen_server.hpp"
#include "term_json.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("json", "print the reply as JSON");
  declare_message_arguments(arguments, positional);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  const message_args m = message_args_from(args);
  const bool as_json = args.count("json") > 0;
  return with_node("call", args, err, [&](const node_session& s) {
    const otp::term reply = otp::gen_server::call(s.registered(m.name), m.message, s.timeout);
    if (as_json)
      out << boost::json::serialize(to_json(reply)) << "\n";
    else
      out << reply.to_string() << "\n";
    return exit_code::ok;
  });
}

}  // namespace

const command call{
    "call",
    "call --node NAME@HOST [--cookie C] [--timeout MS] [--json] NAME TERM",
    "Call a gen_server on a node and print its reply.",
    "Makes gen_server:call({NAME, Node}, TERM, Timeout) and prints the reply in Erlang syntax:\n"
    "  $ otpctl call --node a@127.0.0.1 counter get\n"
    "  42\n"
    "TERM is one term in Erlang syntax ('{increment, 5}', '\"text\"', '<<\"bin\">>', '#{k => v}'); a\n"
    "trailing '.' is allowed. With --json the reply is printed as JSON instead (docs/otpctl.md).\n"
    "Exit status: 0 the server replied; 1 no process is registered as NAME (noproc), it exited during\n"
    "the call, or it did not reply within --timeout; 2 TERM does not parse (its line and column are\n"
    "given).",
    &declare,
    &run,
};

}  // namespace otpctl::commands
