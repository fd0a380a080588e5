// otpctl permanent: make_permanent.
#include "commands/permanent.hpp"

#include <ostream>
#include <string>

#include "cluster_scope.hpp"
#include "node_connection.hpp"
#include "otp/detail/release_errors.hpp"
#include "otp/release_handler.hpp"

namespace otpctl::commands {

namespace po = boost::program_options;

namespace {

void declare(po::options_description& options, po::options_description& arguments,
             po::positional_options_description& positional) {
  declare_node_options(options);
  declare_cluster_options(options);
  options.add_options()("json", "with --cluster/--nodes: print the outcome as one JSON object");
  arguments.add_options()("vsn", po::value<std::string>());
  positional.add("vsn", 1);
}

exit_code run(const po::variables_map& args, std::ostream& out, std::ostream& err) {
  if (!args.count("vsn")) throw usage_error("no VSN: give the release to make permanent");
  const std::string vsn = args["vsn"].as<std::string>();
  check_cluster_options(args);
  return with_node("permanent", args, err, [&](const node_session& s) {
    if (const auto scope = cluster_nodes(s, args); !scope.nodes.empty()) {
      otp::release::cluster::options opts;
      opts.step_timeout = s.timeout;
      return print_outcome(s, otp::release::cluster::make_permanent(vsn, scope.nodes, opts), scope.not_taking_part,
                           args.count("json") > 0, out);
    }
    const otp::term reply = otp::release::release_handler::make_permanent(vsn, s.release_handler());
    if (const auto reason = otp::release::release_handler::error_of(reply))
      return s.fail(otp::release::explain_release_error(*reason, s.node));
    out << "release " << vsn << " is permanent on node " << s.node_name() << "\n";
    return exit_code::ok;
  });
}

}  // namespace

const command permanent{
    "permanent",
    "permanent --node NAME@HOST [--cookie C] [--cluster | --nodes A@H,B@H [--json]] VSN",
    "Make the installed release VSN the one the node boots.",
    "An installed release runs until the node restarts, which boots the permanent release again (as in\n"
    "OTP). Making the running release permanent keeps it. Exit status: 0 done (also when VSN already is\n"
    "permanent); 1 the node has no release VSN or it is not installed. With --cluster or --nodes, on every\n"
    "one of those nodes (docs/cluster.md): one line per node; 1 when any node failed.",
    &declare,
    &run,
};

}  // namespace otpctl::commands
