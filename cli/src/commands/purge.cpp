// otpctl purge: which (is it loaded at all?), then purge or soft_purge.
#include "commands/purge.hpp"

#include <ostream>
#include <string>

#include "node_connection.hpp"
#include "otp/node_agent.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  options.add_options()("soft", "refuse when processes still run the old code (code:soft_purge)");
  arguments.add_options()("module", po::value<std::string>());
  positional.add("module", 1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("module")) throw usage_error("no MODULE: give the module to purge");
  const otp::atom module(args["module"].as<std::string>());
  const bool soft = args.count("soft") > 0;
  return with_node("purge", args, err, [&](const node_session& s) {
    const std::string m(module.text());
    if (otp::release::node_agent::which(module, s.node_agent()).is_atom(otp::atom("not_loaded")))
      return s.fail("module " + m + " is not loaded on node " + s.node_name());
    const otp::term reply = otp::release::node_agent::purge(module, soft, s.node_agent());
    if (!reply.is_atom()) return s.fail("unexpected reply: " + reply.to_string());
    const bool yes = reply.is_atom(otp::atoms::true_);
    if (soft && !yes) return s.fail("old code of " + m + " is still running on node " + s.node_name() + ": not purged");
    if (soft)
      out << "purged the old code of " << m << " on node " << s.node_name() << "\n";
    else
      out << "purged the old code of " << m << " on node " << s.node_name()
          << (yes ? "; processes running it were killed" : "") << "\n";
    return exit_code::ok;
  });
}

}  // namespace

const command purge{
    "purge",
    "purge --node NAME@HOST [--cookie C] [--soft] MODULE",
    "Remove a module's old code from a node.",
    "Without --soft (code:purge): processes still running the old code are killed (their supervisors\n"
    "restart them on the current code), and the old code goes. With --soft (code:soft_purge): nothing\n"
    "is killed; the purge is refused while a process runs the old code. Exit status: 0 purged, or there\n"
    "was no old code; 1 MODULE is not loaded on the node, or --soft refused.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
